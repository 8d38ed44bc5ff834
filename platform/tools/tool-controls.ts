/**
 * Agent tool controls: per-agent skills, an allow-list derived from them, approval
 * gates. `authorizeToolCall` runs before every tool execution; every decision is an
 * audit event (tool.allowed, tool.denied, tool.approval_requested, tool.approved,
 * tool.approval_denied).
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import { z } from 'zod';
import { withTransaction } from '../db/tx.ts';
import { PlatformError } from '../kernel/errors.ts';
import { loadLocatedYaml } from '../kernel/located-yaml.ts';
import { appendAuditEvent } from '../privacy/audit-log.ts';

export const TOOLS_CONFIG = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'config', 'tools.yaml');
const ToolName = z.string().regex(/^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$/, 'tool names are <skill>.<action>');

export const ToolsConfigSchema = z.object({
  /** Skill -> the tools it provides. @example { email: { tools: ["email.send"] } } */
  skills: z.record(z.string().regex(/^[a-z][a-z0-9_]{1,39}$/), z.object({ tools: z.array(ToolName).min(1) })),
  /** Tools that need an approved approval before each run. */
  requires_approval: z.array(ToolName),
});
export type ToolsConfig = z.output<typeof ToolsConfigSchema>;

export function loadToolsConfig(file = TOOLS_CONFIG): ToolsConfig {
  // Every problem at once, each at file:line:col (InputError, exit 2).
  return loadLocatedYaml(file, ToolsConfigSchema);
}

export type ToolDecision = { outcome: 'allowed'; approvalId?: string } | { outcome: 'denied'; reason: 'tool_not_enabled' | 'approval_denied' } | { outcome: 'approval_required'; approvalId: string };

interface Scope {
  accountId: string;
  agentId: string;
}

export async function setAgentSkill(pool: pg.Pool, input: Scope & { skill: string; enabled: boolean; actor: string }, config = loadToolsConfig()): Promise<void> {
  if (!config.skills[input.skill]) throw new PlatformError('unknown_skill', `skill "${input.skill}" is not in platform/config/tools.yaml`);
  await withTransaction(pool, { accounts: [input.accountId] }, async (c) => {
    await c.query(
      `INSERT INTO agent_skills (agent_id, account_id, skill, enabled) VALUES ($1, $2, $3, $4)
       ON CONFLICT (agent_id, skill) DO UPDATE SET enabled = EXCLUDED.enabled, updated_at = now()`,
      [input.agentId, input.accountId, input.skill, input.enabled],
    );
    await appendAuditEvent(c, {
      accountId: input.accountId,
      actor: input.actor,
      action: input.enabled ? 'tool.skill_enabled' : 'tool.skill_disabled',
      subjectType: 'agent',
      subjectId: input.agentId,
      details: { skill: input.skill },
    });
  });
}

/**
 * Decides whether `tool` may run for the agent now. Gated tools consume one approved
 * approval per run; without one, a pending approval is created (or reused).
 */
export async function authorizeToolCall(pool: pg.Pool, input: Scope & { tool: string }, config = loadToolsConfig()): Promise<ToolDecision> {
  if (!ToolName.safeParse(input.tool).success) throw new PlatformError('invalid_tool', `tool name "${String(input.tool)}" is malformed`);
  return withTransaction(pool, { accounts: [input.accountId] }, async (c) => {
    const agent = await c.query(`SELECT 1 FROM agents WHERE id = $1 FOR SHARE`, [input.agentId]);
    if (!agent.rowCount) throw new PlatformError('unknown_agent', `no agent ${input.agentId} in this account`);
    const providing = Object.entries(config.skills)
      .filter(([, s]) => s.tools.includes(input.tool))
      .map(([name]) => name);
    const enabled = await c.query(`SELECT skill FROM agent_skills WHERE agent_id = $1 AND enabled AND skill = ANY ($2) ORDER BY skill`, [input.agentId, providing]);
    const base = { accountId: input.accountId, actor: `agent:${input.agentId}`, subjectType: 'agent', subjectId: input.agentId };
    if (!enabled.rowCount) {
      await appendAuditEvent(c, { ...base, action: 'tool.denied', details: { tool: input.tool, reason: 'tool_not_enabled' } });
      return { outcome: 'denied', reason: 'tool_not_enabled' };
    }
    if (!config.requires_approval.includes(input.tool)) {
      await appendAuditEvent(c, { ...base, action: 'tool.allowed', details: { tool: input.tool, skill: enabled.rows[0].skill } });
      return { outcome: 'allowed' };
    }
    const approved = await c.query<{ id: string }>(
      `UPDATE tool_approvals SET used_at = now()
       WHERE id = (SELECT id FROM tool_approvals WHERE agent_id = $1 AND tool = $2 AND status = 'approved' AND used_at IS NULL
                   ORDER BY decided_at LIMIT 1 FOR UPDATE SKIP LOCKED)
       RETURNING id`,
      [input.agentId, input.tool],
    );
    if (approved.rowCount) {
      await appendAuditEvent(c, { ...base, action: 'tool.allowed', details: { tool: input.tool, approval_id: approved.rows[0].id } });
      return { outcome: 'allowed', approvalId: approved.rows[0].id };
    }
    const pending = await c.query<{ id: string }>(`SELECT id FROM tool_approvals WHERE agent_id = $1 AND tool = $2 AND status = 'pending' ORDER BY requested_at LIMIT 1`, [input.agentId, input.tool]);
    const approvalId =
      pending.rows[0]?.id ??
      (await c.query<{ id: string }>(`INSERT INTO tool_approvals (agent_id, account_id, tool) VALUES ($1, $2, $3) RETURNING id`, [input.agentId, input.accountId, input.tool])).rows[0].id;
    await appendAuditEvent(c, { ...base, action: 'tool.approval_requested', details: { tool: input.tool, approval_id: approvalId } });
    return { outcome: 'approval_required', approvalId };
  });
}

/** A person approves or denies a pending approval. */
export async function decideToolApproval(pool: pg.Pool, input: { accountId: string; approvalId: string; approve: boolean; decidedBy: string }): Promise<void> {
  await withTransaction(pool, { accounts: [input.accountId] }, async (c) => {
    const r = await c.query<{ agent_id: string; tool: string }>(
      `UPDATE tool_approvals SET status = $2, decided_at = now(), decided_by = $3 WHERE id = $1 AND status = 'pending' RETURNING agent_id, tool`,
      [input.approvalId, input.approve ? 'approved' : 'denied', input.decidedBy],
    );
    if (!r.rowCount) throw new PlatformError('unknown_approval', `no pending approval ${input.approvalId} in this account`);
    await appendAuditEvent(c, {
      accountId: input.accountId,
      actor: input.decidedBy,
      action: input.approve ? 'tool.approved' : 'tool.approval_denied',
      subjectType: 'agent',
      subjectId: r.rows[0].agent_id,
      details: { tool: r.rows[0].tool, approval_id: input.approvalId },
    });
  });
}
