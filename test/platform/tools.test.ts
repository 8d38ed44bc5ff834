import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../helpers/db.ts';
import { adminQuery, makeAccount, makeAgent } from '../helpers/core-ii-fixtures.ts';
import { authorizeToolCall, decideToolApproval, setAgentSkill } from '../../platform/tools/tool-controls.ts';

let db: Awaited<ReturnType<typeof createTestDatabase>>;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.drop();
});

describe('agent tool controls', () => {
  it('allow-list from enabled skills, approval gates, every decision audited', async () => {
    const pool = db.pool('app');
    const accountId = await makeAccount(db);
    const agentId = await makeAgent(db, accountId);
    const scope = { accountId, agentId };
    expect(await authorizeToolCall(pool, { ...scope, tool: 'web.fetch' })).toEqual({ outcome: 'denied', reason: 'tool_not_enabled' });
    await setAgentSkill(pool, { ...scope, skill: 'web', enabled: true, actor: 'user:1' });
    expect(await authorizeToolCall(pool, { ...scope, tool: 'web.fetch' })).toEqual({ outcome: 'allowed' });
    await setAgentSkill(pool, { ...scope, skill: 'email', enabled: true, actor: 'user:1' });
    const gated = await authorizeToolCall(pool, { ...scope, tool: 'email.send' });
    expect(gated.outcome).toBe('approval_required');
    const approvalId = (gated as { approvalId: string }).approvalId;
    // asking again reuses the pending approval
    expect(await authorizeToolCall(pool, { ...scope, tool: 'email.send' })).toEqual({ outcome: 'approval_required', approvalId });
    await decideToolApproval(pool, { accountId, approvalId, approve: true, decidedBy: 'user:1' });
    expect(await authorizeToolCall(pool, { ...scope, tool: 'email.send' })).toEqual({ outcome: 'allowed', approvalId });
    // an approval is good for one run
    expect((await authorizeToolCall(pool, { ...scope, tool: 'email.send' })).outcome).toBe('approval_required');
    await setAgentSkill(pool, { ...scope, skill: 'web', enabled: false, actor: 'user:1' });
    expect((await authorizeToolCall(pool, { ...scope, tool: 'web.fetch' })).outcome).toBe('denied');
    await expect(decideToolApproval(pool, { accountId, approvalId, approve: false, decidedBy: 'user:1' })).rejects.toThrow(expect.objectContaining({ code: 'unknown_approval' }));
    await expect(setAgentSkill(pool, { ...scope, skill: 'rocket', enabled: true, actor: 'x' })).rejects.toThrow(expect.objectContaining({ code: 'unknown_skill' }));
    await expect(authorizeToolCall(pool, { ...scope, tool: 'rm -rf' })).rejects.toThrow(expect.objectContaining({ code: 'invalid_tool' }));
    const actions = (await adminQuery(db, `SELECT action FROM audit_events WHERE subject_id = $1 AND action LIKE 'tool.%' ORDER BY seq`, [agentId])).map((r) => r.action);
    expect(actions).toEqual([
      'tool.denied',
      'tool.skill_enabled',
      'tool.allowed',
      'tool.skill_enabled',
      'tool.approval_requested',
      'tool.approval_requested',
      'tool.approved',
      'tool.allowed',
      'tool.approval_requested',
      'tool.skill_disabled',
      'tool.denied',
    ]);
  });
});
