/**
 * Issue 13, item 3 against a real database: after a gate run witnessed the audit head in
 * the transparency log, a privileged rewrite of the events up to that head (triggers off,
 * tail deleted, one event dropped, the rest re-inserted and re-chained by the trigger) is
 * caught by the next gate run, which names audit_events_hash_chained and does not witness
 * the rewritten head. The triggers cannot stop this; the log outside the database does.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { type TestDatabase, withClient } from '../../helpers/db.ts';
import { logDir, logVerifiers } from '../../../evidence/tlog/config.ts';
import { readCheckpoint, readCheckpointNote, verifyLog } from '../../../evidence/tlog/log.ts';
import { verifyInclusion } from '../../../evidence/tlog/proof.ts';
import { readWitnessState, rewriteDetected, type Sql } from '../../../evidence/tlog/witness.ts';
import { witnessHarness } from './witness-harness.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..', '..');
let db: TestDatabase;
const harness = witnessHarness('trust-witness-');
const gate = () => harness.gate(db);

const admin = <T>(fn: (c: pg.Client) => Promise<T>) => withClient(db.adminUrl, fn);

beforeAll(async () => {
  db = await harness.setUp();
});
afterAll(async () => {
  await db?.drop();
  harness.tearDown();
});

describe('the gate and the transparency log', () => {
  it('witnesses the head, then catches a privileged rewrite of events before it', async () => {
    const first = await gate();
    const chained = (r: Awaited<ReturnType<typeof gate>>) => r.bundle.evaluations.find((e) => e.control === 'audit_events_hash_chained')!;
    expect(chained(first).checks.find((c) => c.check === 'audit_head_witnessed')?.status).toBe('pass');
    expect(first.notes.join('\n')).toMatch(/transparency log .*bundle at entry 0, audit head seq \d+ witnessed \(size 3\)/); // bundle, verdicts, head
    const dir = logDir(ROOT);
    const verifiers = logVerifiers(ROOT, undefined, () => {});
    expect(verifyLog(dir, verifiers)).toMatchObject({ ok: true, size: 3 });
    // The output set carries the run's receipt only: the checkpoint its append signed and its
    // bundle leaf's inclusion proof. The log (naming every run's bundle) stays in its directory.
    const out = path.dirname(first.written[0]!);
    expect(readdirSync(path.join(out, 'log')).sort()).toEqual(['checkpoint', 'inclusion.json']);
    const receipt = JSON.parse(readFileSync(path.join(out, 'log', 'inclusion.json'), 'utf8'));
    expect(receipt).toMatchObject({ treeSize: 3, index: 0 });
    expect(JSON.parse(receipt.entry).bundleSha256).toBe(first.bundleSha256);
    const cp = readCheckpoint(dir, verifiers)!;
    expect(readFileSync(path.join(out, 'log', 'checkpoint'), 'utf8')).toBe(readCheckpointNote(dir));
    expect(
      verifyInclusion(
        0,
        3,
        Buffer.from(receipt.leafHash, 'base64'),
        receipt.proof.map((p: string) => Buffer.from(p, 'base64')),
        cp.root,
      ),
    ).toBe(true);

    // The rewrite, as a role above the triggers: drop one event of the last ten and re-chain the rest.
    const { head } = await admin(async (c) => (await c.query(`SELECT max(seq)::int AS head FROM audit_events`)).rows[0]);
    await admin(async (c) => {
      await c.query('BEGIN');
      // The triggers off, as the table's owner may do (ENABLE ALWAYS does not stop ALTER TABLE).
      await c.query('ALTER TABLE audit_events DISABLE TRIGGER USER');
      await c.query('ALTER TABLE event_chain_head DISABLE TRIGGER USER');
      await c.query(`CREATE TEMP TABLE tail ON COMMIT DROP AS SELECT * FROM audit_events WHERE seq > $1 - 10 AND seq <> $1 - 5 ORDER BY seq`, [head]);
      await c.query(`DELETE FROM audit_events WHERE seq > $1 - 10`, [head]);
      await c.query(`UPDATE event_chain_head SET seq = e.seq, hash = e.hash FROM (SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1) e`);
      await c.query('ALTER TABLE audit_events ENABLE TRIGGER USER'); // the chain trigger re-chains what is re-inserted
      await c.query('ALTER TABLE event_chain_head ENABLE TRIGGER USER');
      const cols = (
        await c.query(`SELECT string_agg(quote_ident(column_name), ', ' ORDER BY ordinal_position) AS cols FROM information_schema.columns
        WHERE table_name = 'audit_events' AND table_schema = 'public' AND column_name NOT IN ('seq', 'prev_hash', 'hash')`)
      ).rows[0].cols;
      await c.query(`INSERT INTO audit_events (${cols}) SELECT ${cols} FROM tail ORDER BY seq`);
      await c.query('COMMIT');
    });

    // What the reader sees now: the witnessed event is gone or hashes differently.
    const reader = await db.pool('reader').connect();
    try {
      const sql = (async (t: string, p?: unknown[]) => (await reader.query(t, p)).rows) as Sql;
      const s = await readWitnessState(sql, dir, verifiers, new Date());
      expect(s.witnessed?.seq).toBe(head);
      expect(rewriteDetected(s)).toMatch(/rewritten|no longer exists/);
    } finally {
      reader.release();
    }

    const second = await gate();
    expect(second.exitCode).toBe(1);
    const witnessed = chained(second).checks.find((c) => c.check === 'audit_head_witnessed')!;
    expect(witnessed.status).toBe('fail');
    expect(witnessed.findings.find((f) => f.status === 'fail')?.reason).toMatch(new RegExp(`^Event ${head}(, witnessed in the transparency log .*, no longer exists| now hashes .* rewritten)`));
    expect(second.failures.some((f) => f.control === 'audit_events_hash_chained')).toBe(true);
    // The rewritten head is not witnessed, so the next run fails too; the bundle is still logged.
    expect(second.notes.join('\n')).toMatch(/bundle at entry 3, audit head not witnessed: the chain disagrees with the head witnessed at seq \d+ \(size 5\)/);
    expect(readCheckpoint(dir, verifiers)?.size).toBe(5);
    // The second run's set names its own bundle only, never the first run's.
    const out2 = path.dirname(second.written[0]!);
    const named = (d: string): string[] =>
      readdirSync(d, { recursive: true, withFileTypes: true })
        .filter((e) => e.isFile())
        .filter((e) => readFileSync(path.join(e.parentPath, e.name)).includes(first.bundleSha256))
        .map((e) => e.name);
    expect(named(out2)).toEqual([]);
    expect(JSON.parse(JSON.parse(readFileSync(path.join(out2, 'log', 'inclusion.json'), 'utf8')).entry)).toMatchObject({ bundleSha256: second.bundleSha256 });
  });
});
