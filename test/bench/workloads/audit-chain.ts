/**
 * The shared 1,000,000-event chain for audit-verify-full and audit-verify-incremental:
 * N chained events, a signed checkpoint at N, then 1,000 more events after it.
 */
import { benchName } from '../servers.ts';
import { appendEvents, benchCheckpointKey, createPlatformDatabase, type PlatformDatabase } from './audit.ts';
import { runTsChild } from './child.ts';
import { measurePair } from '../measure.ts';
import type { BenchContext, PairSamples } from '../types.ts';
import type { VerifyResult } from '../../../platform/audit/verify.ts';
import pg from 'pg';

export interface AuditChain {
  pdb: PlatformDatabase;
  events: number;
  checkpointSeq: number;
  trustedKeyPem: string;
}

export interface VerifyRun {
  ms: number;
  peakRssMb: number;
  result: VerifyResult;
}

export function chainSize(ctx: BenchContext): { base: number; after: number } {
  return ctx.smoke ? { base: 5_000, after: 100 } : { base: 1_000_000, after: 1_000 };
}

export function auditChain(ctx: BenchContext): Promise<AuditChain> {
  return ctx.shared(
    'audit-chain',
    async () => {
      const server = await ctx.server();
      const { base, after } = chainSize(ctx);
      const pdb = await createPlatformDatabase(server, benchName('audit'));
      try {
        const t0 = Date.now();
        await appendEvents(pdb.adminUrl, 1, base, 100_000, (n) => ctx.log(`bench: ${n} chained audit events (${((Date.now() - t0) / 1000).toFixed(0)} s)`));
        const key = await benchCheckpointKey();
        const { createCheckpoint } = await import('../../../platform/audit/checkpoint.ts');
        const cp = await createCheckpoint({ owner: pdb.db.pool('owner'), reader: pdb.db.pool('reader') }, key);
        if (!cp || cp.seq !== base) throw new Error(`expected a checkpoint at seq ${base}, got ${cp?.seq}`);
        await appendEvents(pdb.adminUrl, base + 1, after);
        const admin = new pg.Client({ connectionString: pdb.adminUrl });
        await admin.connect();
        await admin.query('VACUUM ANALYZE audit_events');
        await admin.end();
        return { pdb, events: base + after, checkpointSeq: cp.seq, trustedKeyPem: key.publicKey.export({ type: 'spki', format: 'pem' }).toString() };
      } catch (e) {
        await pdb.drop();
        throw e;
      }
    },
    async (chain) => chain.pdb.drop(),
  );
}

/** One verification in a child process (its own peak RSS), as the collectors' reader role. */
export async function verifyInChild(ctx: BenchContext, chain: AuditChain, from: 'genesis' | 'checkpoint'): Promise<VerifyRun> {
  const run = await runTsChild<VerifyRun>(ctx.root, 'test/bench/child/verify-chain.mjs', [chain.pdb.db.url('reader'), from], { BENCH_TRUSTED_KEY: chain.trustedKeyPem });
  if (!run.result.ok) throw new Error(`verification failed: ${run.result.firstBroken?.reason}`);
  const expected = from === 'genesis' ? chain.events : chain.events - chain.checkpointSeq;
  if (run.result.eventsVerified !== expected) throw new Error(`verified ${run.result.eventsVerified} events, expected ${expected}`);
  return run;
}

/** Full verification against server-side COPY to /dev/null on `chain` (each run reads every row). */
export async function measureFullVerification(ctx: BenchContext, chain: AuditChain): Promise<PairSamples & { peakRssMb: number[] }> {
  const peak: number[] = [];
  const admin = new pg.Client({ connectionString: chain.pdb.adminUrl });
  await admin.connect();
  try {
    // Heavy runs: fewer repeats than the default, still a median after a warm-up.
    const repeats = ctx.smoke ? ctx.repeats : { warmup: 1, runs: 3 };
    const s = await measurePair(
      repeats,
      async () => {
        const r = await verifyInChild(ctx, chain, 'genesis');
        peak.push(r.peakRssMb);
        return r.ms;
      },
      async () => {
        const t0 = performance.now();
        // A partitioned table is copied out through a query (COPY refuses the parent itself).
        await admin.query(`COPY (SELECT * FROM audit_events) TO '/dev/null'`);
        return performance.now() - t0;
      },
    );
    return { ...s, peakRssMb: peak };
  } finally {
    await admin.end();
  }
}

/** The same samples, measured once per bench run and shared by both audit-verify benchmarks. */
export function fullVerificationSamples(ctx: BenchContext, chain: AuditChain): Promise<PairSamples & { peakRssMb: number[] }> {
  return ctx.shared('audit-full-samples', () => measureFullVerification(ctx, chain));
}
