/**
 * The transparency-log witness collector: the last audit-chain head the external log
 * witnessed for this database (its inclusion proven against the checkpoint signed with
 * the pinned key), what the chain holds at that seq now, and the unwitnessed window.
 * It reads the log directory and queries the database; it judges nothing
 * (controls/checks/audit-head-witnessed.ts does).
 */
import { z } from 'zod';
import { defineCollector } from './types.ts';

export const WitnessFactsSchema = z.object({
  database: z.string(),
  /** Log problems (unreadable, checkpoint not signed by the pinned key, entry not included): one line. */
  logError: z.string().nullable(),
  /** The hash of the chain's first event: copies and restores of one chain share it. */
  chain: z.string().nullable().default(null),
  /** `database`: the head was witnessed for another database holding the same chain (a copy or restore of it). */
  witnessed: z.object({ index: z.number().int(), seq: z.number().int(), hash: z.string(), at: z.string(), database: z.string().optional() }).nullable(),
  hashAtWitnessedSeq: z.string().nullable(),
  headSeq: z.number().int(),
  headHash: z.string().nullable(),
  unwitnessedEvents: z.number().int(),
  unwitnessedSeconds: z.number().int(),
  /** Window bound from TRUST_WITNESS_MAX_EVENTS / _SECONDS, when set (else the control's parameters). */
  configuredBound: z.object({ maxEvents: z.number().int().optional(), maxSeconds: z.number().int().optional() }).nullable(),
});
export type WitnessFacts = z.output<typeof WitnessFactsSchema>;

export default defineCollector({
  id: 'witness',
  version: '1.0.0',
  description: 'The audit-chain head last witnessed in the external transparency log (evidence/tlog), the hash the chain holds at that seq now, and the unwitnessed window.',
  needsDatabase: true,
  facts: WitnessFactsSchema,
  async collect(ctx) {
    const { logDir, logVerifiers, configuredWindowBound } = await import('../evidence/tlog/config.ts');
    const w = await import('../evidence/tlog/witness.ts');
    const sql = ctx.sql as unknown as import('../evidence/tlog/witness.ts').Sql;
    const configuredBound = configuredWindowBound();
    try {
      const s = await w.readWitnessState(
        sql,
        logDir(ctx.root),
        logVerifiers(ctx.root, undefined, () => {}),
        ctx.now,
      );
      return {
        database: s.database,
        chain: s.chain,
        logError: null,
        witnessed: s.witnessed,
        hashAtWitnessedSeq: s.hashAtWitnessedSeq,
        headSeq: s.head?.seq ?? 0,
        headHash: s.head?.hash ?? null,
        unwitnessedEvents: s.unwitnessedEvents,
        unwitnessedSeconds: s.unwitnessedSeconds,
        configuredBound,
      };
    } catch (e) {
      // A log we cannot believe is a finding, not a crash: the check fails on it.
      if ((e as { code?: string }).code && /^[0-9A-Z]{5}$/.test((e as { code: string }).code)) throw e; // database errors stay errors
      const head = await w.readHead(sql);
      return {
        database: await w.readDatabaseIdentity(sql),
        chain: await w.readChainId(sql),
        logError: (e as Error).message.split('\n')[0],
        witnessed: null,
        hashAtWitnessedSeq: null,
        headSeq: head?.seq ?? 0,
        headHash: head?.hash ?? null,
        unwitnessedEvents: 0,
        unwitnessedSeconds: 0,
        configuredBound,
      };
    }
  },
});
