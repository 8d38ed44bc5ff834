/**
 * A large audit chain built fast: the events of workloads/audit.ts (EVENT_SELECT's synthetic
 * events, same columns, same values), chained in Node with platform/audit/chain-line.ts and
 * loaded with COPY in the bulk-load mode of `trust demo --bulk` (platform/demo/bulk.ts):
 * `SET LOCAL session_replication_role = replica` for each loading transaction, so the chain
 * triggers (whose work is done here) do not fire while the refusing ones (ENABLE ALWAYS: the
 * secret guard) still do; the chain head is written in the same transactions. 10,000,000
 * events through the chain trigger (INSERT ... SELECT, as workloads/audit.ts does) take tens
 * of minutes; this way the server's COPY is the bottleneck.
 *
 * Rows go out in chunks over `lanes` sessions, every lane in its own transaction; all commit
 * only when all have finished, else all roll back. One lane is the default: with two, the
 * sessions contend on the same index pages (1,000,000 events on two busy cores: 14.7 s with
 * one lane, 24.4 s with two).
 */
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { ChainWriter, jsonbText } from '../../../platform/audit/chain-line.ts';
import { GENESIS_HASH } from '../../../platform/audit/verify.ts';

const START_MS = Date.parse('2026-01-01T00:00:00Z');
const ACTIONS = ['agent.started', 'agent.stopped', 'agent.transferred', 'vm.provisioned'];
/** md5((g % 997)::text)::uuid, as EVENT_SELECT computes it. */
const ACCOUNTS = Array.from({ length: 997 }, (_, i) => {
  const h = createHash('md5').update(String(i)).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
});
const COLUMNS = 'audit_events (seq, occurred_at, account_id, actor, action, subject_type, subject_id, details, prev_hash, hash)';
const CHUNK = 20_000;

export interface CopiedChain {
  events: number;
  headHash: string;
  seconds: number;
}

/**
 * Appends `count` chained events to the empty chain of the platform database at `adminUrl`
 * (a superuser URL: the bulk-load mode needs one). Refuses a chain that is not empty.
 */
export async function copyChainedEvents(adminUrl: string, count: number, opts: { lanes?: number; progress?: (done: number) => void } = {}): Promise<CopiedChain> {
  const t0 = Date.now();
  const lanes = Array.from({ length: Math.max(1, opts.lanes ?? 1) }, () => new pg.Client({ connectionString: adminUrl }));
  await Promise.all(lanes.map((c) => c.connect()));
  let committed = false;
  try {
    const pre = (
      await lanes[0].query<{ head: string; any: boolean; su: boolean }>(
        `SELECT (SELECT seq FROM event_chain_head)::text AS head, EXISTS (SELECT 1 FROM audit_events) AS any,
              (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) AS su`,
      )
    ).rows[0];
    if (!pre.su) throw new Error('copyChainedEvents needs a superuser URL (session_replication_role)');
    if (pre.any || Number(pre.head) !== 0) throw new Error('copyChainedEvents needs an empty audit chain');
    let fail!: (e: unknown) => void;
    const failed = new Promise<never>((_, reject) => {
      fail = reject;
    });
    failed.catch(() => {});
    const streams = [];
    for (const c of lanes) {
      await c.query(`BEGIN; SET LOCAL session_replication_role = replica; SET LOCAL synchronous_commit = off`);
      const s = c.query(copyFrom(`COPY ${COLUMNS} FROM STDIN`));
      s.on('error', (e) => fail(new Error(`COPY audit_events: ${(e as Error).message}`)));
      streams.push(s);
    }
    const finished = streams.map((s) => new Promise((resolve) => s.on('finish', resolve)));
    const chain = new ChainWriter(0, GENESIS_HASH);
    const parts: string[] = [];
    for (let g = 1; g <= count; g++) {
      const e = chain.next({
        occurredAt: START_MS + g * 1000,
        accountId: ACCOUNTS[g % 997],
        actor: 'system:bench',
        action: ACTIONS[g % 4],
        subjectType: 'agent',
        subjectId: `agent-${g % 10007}`,
        details: jsonbText({ n: g, region: g % 2 === 0 ? 'us' : 'eu' }),
      });
      parts.push(`${e.line}\t\\\\x${e.prev.toString('hex')}\t\\\\x${e.hash.toString('hex')}\n`);
      if (parts.length === CHUNK || g === count) {
        const s = streams[Math.floor((g - 1) / CHUNK) % streams.length];
        const ok = s.write(parts.join(''));
        parts.length = 0;
        if (!ok) await Promise.race([once(s, 'drain'), failed]);
        opts.progress?.(g);
      }
    }
    for (const s of streams) s.end();
    await Promise.race([Promise.all(finished), failed]);
    // The head the chain trigger would have stored, in a loading transaction.
    await lanes[0].query(`UPDATE event_chain_head SET seq = $1, hash = $2 WHERE singleton`, [chain.seq, chain.hash]);
    for (const c of lanes) await c.query('COMMIT');
    committed = true;
    return { events: chain.seq, headHash: chain.hash.toString('hex'), seconds: (Date.now() - t0) / 1000 };
  } finally {
    if (!committed) await Promise.all(lanes.map((c) => c.query('ROLLBACK').catch(() => {})));
    await Promise.all(lanes.map((c) => c.end().catch(() => {})));
  }
}
