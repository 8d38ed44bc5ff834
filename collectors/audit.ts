/**
 * The audit collector: is the hash chain intact, is the latest checkpoint signed, and
 * which kinds of events are being recorded. Verification is the platform's own
 * (platform/audit/verify.ts), streamed over COPY in the collectors' snapshot:
 * incremental from the latest signed checkpoint by default, from genesis on request.
 */
import { z } from 'zod';
import { defineCollector } from './types.ts';

export const AuditFactsSchema = z.object({
  verification: z.object({
    /** What was asked: `incremental` starts at the latest signed checkpoint, `full` at genesis. */
    mode: z.enum(['incremental', 'full']),
    ok: z.boolean(),
    /** Events hashed in this run (after the checkpoint when incremental). */
    eventsVerified: z.number().int(),
    headSeq: z.number().int(),
    /** The first event whose hash or link does not verify. */
    firstBroken: z.object({ seq: z.number().int(), reason: z.string() }).nullable(),
  }),
  /** The latest signed checkpoint; null when none exists yet. */
  checkpoint: z.object({ seq: z.number().int(), keyId: z.string(), signatureValid: z.boolean(), keyTrusted: z.boolean() }).nullable(),
  checkpoints: z.number().int(),
  events: z.number().int(),
  /** Events per action (`agent.provisioned`, `oauth.token_refreshed`...), by action. */
  actions: z.array(z.object({ action: z.string(), count: z.number().int() })),
});
export type AuditFacts = z.output<typeof AuditFactsSchema>;

export default defineCollector({
  id: 'audit',
  version: '1.0.0',
  description: 'Hash-chain verification of audit_events (incremental from the latest signed checkpoint, or full), the checkpoint signature, and event counts per action.',
  needsDatabase: true,
  facts: AuditFactsSchema,
  async collect(ctx) {
    if (!ctx.client) throw new Error('the audit collector needs the collectors\' database client');
    const { verifyChain } = await import('../platform/audit/verify.ts');
    const mode = ctx.options.auditVerification;
    const r = await verifyChain(ctx.client, { from: mode === 'full' ? 'genesis' : 'checkpoint' });
    const [counts] = await ctx.sql<{ events: string; checkpoints: string }>(
      `SELECT (SELECT count(*) FROM audit_events) AS events, (SELECT count(*) FROM audit_checkpoints) AS checkpoints`);
    const actions = await ctx.sql<{ action: string; count: string }>(
      `SELECT action, count(*) AS count FROM audit_events GROUP BY action ORDER BY action COLLATE "C"`);
    return {
      verification: { mode, ok: r.ok, eventsVerified: r.eventsVerified, headSeq: r.headSeq, firstBroken: r.firstBroken ?? null },
      checkpoint: r.checkpoint ?? null,
      checkpoints: Number(counts.checkpoints),
      events: Number(counts.events),
      actions: actions.map((a) => ({ action: a.action, count: Number(a.count) })),
    };
  },
});
