/**
 * audit-insert-chained: 100,000 events written through the platform's audit path
 * (INSERT into audit_events as the runtime role inside withTransaction: the BEFORE
 * INSERT triggers hash and chain every row, check it for secrets, and the statement
 * trigger stores the head) against a plain INSERT of the same rows into an unchained
 * copy of the table (CREATE TABLE ... (LIKE audit_events INCLUDING ALL): same columns,
 * constraints and indexes, no triggers). Same batches (1,000 rows per statement, one
 * transaction per batch), same role, same client. The ratio is our throughput over
 * the reference's.
 */
import pg from 'pg';
import { createHash } from 'node:crypto';
import { measurePair, median, round, timeIt } from '../measure.ts';
import { benchName } from '../servers.ts';
import { createPlatformDatabase } from '../workloads/audit.ts';
import type { Benchmark } from '../types.ts';

const BATCH = 1_000;
const ACCOUNTS = Array.from({ length: 10 }, (_, i) => {
  const h = createHash('md5').update(`bench-account-${i}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
});
const ACTIONS = ['agent.started', 'agent.stopped', 'agent.transferred', 'vm.provisioned'];

/** One batch of event rows as column arrays (the same rows go to both tables). */
function batchRows(start: number, n: number) {
  const cols = { at: [] as string[], account: [] as (string | null)[], actor: [] as string[], action: [] as string[], type: [] as string[], id: [] as string[], details: [] as string[] };
  for (let i = start; i < start + n; i++) {
    cols.at.push(new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString());
    cols.account.push(i % 11 === 0 ? null : ACCOUNTS[i % ACCOUNTS.length]);
    cols.actor.push(`user:bench-${i % 50}`);
    cols.action.push(ACTIONS[i % ACTIONS.length]);
    cols.type.push('agent');
    cols.id.push(`agent-${i % 10_007}`);
    cols.details.push(JSON.stringify({ n: i, region: i % 2 ? 'eu' : 'us' }));
  }
  return [cols.at, cols.account, cols.actor, cols.action, cols.type, cols.id, cols.details];
}

const UNNEST = `unnest($1::timestamptz[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[], $7::jsonb[])`;
const CHAINED_SQL = `INSERT INTO audit_events (occurred_at, account_id, actor, action, subject_type, subject_id, details) SELECT * FROM ${UNNEST}`;
const ZERO_HASH = `'\\x${'00'.repeat(32)}'::bytea`;
const PLAIN_SQL = `INSERT INTO bench_audit_events_unchained (seq, occurred_at, account_id, actor, action, subject_type, subject_id, details, prev_hash, hash)
  SELECT $8::bigint + u.ord, u.a, u.b, u.c, u.d, u.e, u.f, u.g, ${ZERO_HASH}, ${ZERO_HASH} FROM ${UNNEST} WITH ORDINALITY u(a, b, c, d, e, f, g, ord)`;

export const auditInsertChained: Benchmark = {
  name: 'audit-insert-chained',
  goal: { kind: '>=', value: 0.5 },
  async run(ctx) {
    const server = await ctx.server();
    const events = ctx.smoke ? 2_000 : 100_000;
    const pdb = await createPlatformDatabase(server, benchName('insert'));
    try {
      const admin = new pg.Client({ connectionString: pdb.adminUrl });
      await admin.connect();
      await admin.query(`CREATE TABLE bench_audit_events_unchained (LIKE audit_events INCLUDING ALL)`);
      await admin.query(`GRANT SELECT, INSERT ON bench_audit_events_unchained TO trust_app`);
      await admin.end();
      const { withTransaction } = await import('../../../platform/db/tx.ts');
      const pool = pdb.db.pool('app');
      const batches = Array.from({ length: Math.ceil(events / BATCH) }, (_, b) => batchRows(b * BATCH, Math.min(BATCH, events - b * BATCH)));
      let plainSeq = 0;
      const write = (sql: string, plain: boolean) =>
        timeIt(async () => {
          for (const rows of batches) {
            await withTransaction(pool, { accounts: ACCOUNTS }, async (c) => {
              await c.query(sql, plain ? [...rows, plainSeq] : rows);
            });
            if (plain) plainSeq += rows[0].length;
          }
        });
      const repeats = ctx.smoke ? ctx.repeats : { warmup: 1, runs: 3 };
      const s = await measurePair(
        repeats,
        () => write(CHAINED_SQL, false),
        () => write(PLAIN_SQL, true),
      );
      const ours = events / (median(s.ours) / 1000);
      const ref = events / (median(s.reference) / 1000);
      // The chain must be intact after all that writing.
      const { verifyChain } = await import('../../../platform/audit/verify.ts');
      const reader = await pdb.db.pool('reader').connect();
      try {
        const v = await verifyChain(reader, { from: 'genesis', ownTransaction: true });
        if (!v.ok) throw new Error(`the chain broke under the insert benchmark: ${v.firstBroken?.reason}`);
      } finally {
        reader.release();
      }
      return {
        ours: { value: round(ours, 0), unit: 'events/s' },
        reference: { name: 'plain INSERT into an unchained copy', value: round(ref, 0), unit: 'events/s' },
        ratio: ours / ref,
        details: { events, batch: BATCH, oursMs: s.ours.map((x) => round(x, 0)), referenceMs: s.reference.map((x) => round(x, 0)) },
      };
    } finally {
      await pdb.drop();
    }
  },
};
