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
    /** The first event whose hash or link does not verify, or where the chain's end and the stored head disagree. */
    firstBroken: z.object({ seq: z.number().int(), reason: z.string() }).nullable(),
    /** The stored chain head (event_chain_head) in the same snapshot: verification compares the chain's end with it. */
    storedHeadSeq: z.number().int().nullable(),
  }),
  /** Checkpoint rows newer than the one verification started from that are not authentic (forged, or under an untrusted key). */
  ignoredCheckpoints: z.array(z.object({ seq: z.number().int(), keyId: z.string(), reason: z.string() })),
  /** The latest signed checkpoint; null when none exists yet. */
  checkpoint: z.object({ seq: z.number().int(), keyId: z.string(), signatureValid: z.boolean(), keyTrusted: z.boolean(), chainVerifiesFromIt: z.boolean() }).nullable(),
  checkpoints: z.number().int(),
  events: z.number().int(),
  /** Events per action (`agent.provisioned`, `oauth.token_refreshed`...), by action. */
  actions: z.array(z.object({ action: z.string(), count: z.number().int() })),
  /** agent.transferred events and how many sit exactly on a state-period boundary (old account's period closes, new one's opens, at the event time). */
  transfers: z.object({ events: z.number().int(), onBoundary: z.number().int(), firstOffBoundarySeq: z.number().int().nullable() }),
});
export type AuditFacts = z.output<typeof AuditFactsSchema>;

export default defineCollector({
  id: 'audit',
  version: '1.0.0',
  description: 'Hash-chain verification of audit_events (incremental from the latest signed checkpoint, or full), the checkpoint signature, and event counts per action.',
  needsDatabase: true,
  // Order on the lanes (collectors/lanes.ts): measured among the longest at scale 100.
  cost: 6,
  facts: AuditFactsSchema,
  async collect(ctx) {
    if (!ctx.client) throw new Error("the audit collector needs the collectors' database client");
    const { verifyChain } = await import('../platform/audit/verify.ts');
    const mode = ctx.options.auditVerification;
    // The incremental pass always runs: it is what proves the latest checkpoint. A full
    // run then also hashes every event from genesis.
    const incremental = await verifyChain(ctx.client, { from: 'checkpoint' });
    const r = mode === 'full' ? await verifyChain(ctx.client, { from: 'genesis' }) : incremental;
    const [counts] = await ctx.sql<{ checkpoints: string }>(`SELECT count(*) AS checkpoints FROM audit_checkpoints`);
    const actions = await ctx.sql<{ action: string; count: string }>(`SELECT action, count(*) AS count FROM audit_events GROUP BY action ORDER BY action COLLATE "C"`);
    const [t] = await ctx.sql<{ events: string; on_boundary: string; first_off: string | null }>(`
      WITH t AS (
        SELECT e.seq, EXISTS (SELECT 1 FROM agent_state_periods p
                               WHERE p.agent_id = e.subject_id::uuid AND p.account_id = (e.details->>'from_account_id')::uuid
                                 AND upper(p.period) = e.occurred_at)
                  AND EXISTS (SELECT 1 FROM agent_state_periods p
                               WHERE p.agent_id = e.subject_id::uuid AND p.account_id = (e.details->>'to_account_id')::uuid
                                 AND lower(p.period) = e.occurred_at) AS ok
          FROM audit_events e WHERE e.action = 'agent.transferred')
      SELECT count(*) AS events, count(*) FILTER (WHERE ok) AS on_boundary, min(seq) FILTER (WHERE NOT ok) AS first_off FROM t`);
    return {
      transfers: { events: Number(t.events), onBoundary: Number(t.on_boundary), firstOffBoundarySeq: t.first_off === null ? null : Number(t.first_off) },
      verification: { mode, ok: r.ok, eventsVerified: r.eventsVerified, headSeq: r.headSeq, firstBroken: r.firstBroken ?? null, storedHeadSeq: r.storedHead?.seq ?? null },
      ignoredCheckpoints: incremental.ignoredCheckpoints ?? [],
      checkpoint: incremental.checkpoint ? { ...incremental.checkpoint, chainVerifiesFromIt: incremental.ok } : null,
      checkpoints: Number(counts.checkpoints),
      // Every event has exactly one action: the total is the sum, without another scan.
      events: actions.reduce((n, a) => n + Number(a.count), 0),
      actions: actions.map((a) => ({ action: a.action, count: Number(a.count) })),
    };
  },
});
