/**
 * Issue 13, the owner-rewrite attacks as the acceptance probe makes them: on a copy of a
 * database whose head the log witnessed, under another name. The log knows the chain by its
 * first event, so a copy is held to the head witnessed for the original: a faithful copy
 * passes (and is witnessed under its own name from then on), a copy made before that head
 * was witnessed has nothing to compare yet, and a copy whose events up to that head were
 * rewritten by the owner (triggers off, tail deleted and re-inserted) fails, naming the
 * database the head was witnessed for.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import pg from 'pg';
import { createTestDatabase, withClient, type TestDatabase } from '../../helpers/db.ts';
import { findLastWitness } from '../../../evidence/tlog/witness.ts';
import { logDir, logVerifiers } from '../../../evidence/tlog/config.ts';
import { ownerTailRewriteSql } from '../../helpers/owner-rewrite.ts';
import { witnessHarness } from './witness-harness.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..', '..');
let origin: TestDatabase;
const copies: TestDatabase[] = [];
const harness = witnessHarness('trust-witness-copy-');

async function gate(db: TestDatabase) {
  const r = await harness.gate(db);
  const check = r.bundle.evaluations.find((e) => e.control === 'audit_events_hash_chained')!.checks.find((c) => c.check === 'audit_head_witnessed')!;
  return { ...r, witnessed: check, reason: check.findings.map((f) => f.reason).join(' | ') };
}
async function copyOfOrigin(): Promise<TestDatabase> {
  const c = await createTestDatabase(origin.name);
  copies.push(c);
  return c;
}
async function run(url: string, sql: string): Promise<void> {
  await withClient(url, (c) => c.query(sql));
}

beforeAll(async () => {
  origin = await harness.setUp();
  const first = await gate(origin);
  expect(first.notes.join('\n')).toMatch(/audit head seq \d+ witnessed/);
  await origin.close(); // a template must have no connection
});
afterAll(async () => {
  for (const c of copies) await c.drop();
  const admin = new pg.Client({ connectionString: origin.adminUrl.replace(/\/[^/?]+(\?|$)/, '/postgres$1') });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${origin.name} WITH (FORCE)`);
  await admin.end();
  harness.tearDown();
});

describe('a copy of a witnessed database is held to the witnessed head', () => {
  it('a faithful copy passes and is then witnessed under its own name', async () => {
    const copy = await copyOfOrigin();
    const r = await gate(copy);
    expect(r.witnessed.status, r.reason).toBe('pass');
    expect(r.reason).toMatch(/still holds the head witnessed/);
    expect(r.notes.join('\n')).toMatch(/audit head seq \d+ witnessed/);
    // Later events of the copy: its own witness is what it is held to.
    await run(copy.adminUrl, `INSERT INTO audit_events (actor, action, subject_type, subject_id) VALUES ('system:copy', 'agent.started', 'agent', 'copy')`);
    expect((await gate(copy)).witnessed.status).toBe('pass');
  });

  it('a copy made before the latest witnessed head has nothing to compare and passes', async () => {
    // The faithful copy above was witnessed one event further than the origin.
    const r = await gate(await copyOfOrigin());
    expect(r.witnessed.status, r.reason).toBe('pass');
  });

  it('a copy whose tail the owner rewrote with the triggers off fails, naming the witnessed database', async () => {
    const copy = await copyOfOrigin();
    await run(copy.url('owner'), ownerTailRewriteSql(5));
    const r = await gate(copy);
    expect(r.exitCode).toBe(1);
    expect(r.witnessed.status).toBe('fail');
    // The latest head the log witnessed for this chain: the origin's or a faithful copy's, each at the seq the rewrite changed.
    expect(r.reason).toMatch(/now hashes to .*for postgres:[^ ]+\/trust_test_[^ ,]+, which holds the same chain.*rewritten/);
    expect(r.notes.join('\n')).toMatch(/audit head not witnessed: the chain disagrees/);
  });
});

describe('finding the witness', () => {
  it('a database of another chain is never held to it', async () => {
    const dir = logDir(ROOT);
    const verifiers = logVerifiers(ROOT, undefined, () => {});
    expect(findLastWitness(dir, verifiers, 'postgres:1/elsewhere', 'f'.repeat(64))).toBeNull();
    expect(findLastWitness(dir, verifiers, 'postgres:1/elsewhere', null)).toBeNull();
    expect(findLastWitness(dir, verifiers, `postgres:1/${origin.name}`, null)).toBeNull();
  });
});
