/**
 * The gate only observes. On a demo database, `runGate` (what `trust check` runs):
 * - commits nothing: every transaction it commits is a session's own startup (one per
 *   connection, pg_stat_database.sessions), and the catalog, the role attributes and
 *   passwords, the audit chain head and every sequence are unchanged; the enforcement
 *   probes' transactions are rolled back;
 * - with only the reader's URL, skips the probes and says why, so the controls that need
 *   them are not live;
 * - fails the right control, with a finding of kind enforcement, when a probe is let
 *   through by a break that leaves the guard's definition alone.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { createTestDatabase, type TestDatabase, withClient } from '../helpers/db.ts';
import { demoDatabase } from '../helpers/demo-database.ts';
import { saveEnv } from '../helpers/env.ts';
import { roleUrl } from '../../platform/db/roles.ts';
import { runGate } from '../../evidence/gate-run.ts';
import { silentProgress } from '../../evidence/progress.ts';
import type { RunOutcome } from '../../evidence/pipeline.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
/** The live controls wired to enforcement probes. */
const PROBED = [
  'account_rows_isolated_by_rls',
  'agent_image_pinned',
  'agent_secrets_encrypted',
  'agent_state_periods_non_overlapping',
  'audit_checkpoints_signed',
  'audit_events_append_only',
  'oauth_state_single_use',
  'oauth_tokens_encrypted',
  'resource_region_pinned',
];
const ENV = ['DATABASE_URL', 'TRUST_READER_URL', 'TRUST_RUNTIME_URL', 'TRUST_KEYRING', 'TRUST_DATA_DIR'] as const;
const restoreEnv = saveEnv(ENV);

let demo: TestDatabase;

beforeAll(async () => {
  process.env.TRUST_DATA_DIR = mkdtempSync(path.join(os.tmpdir(), 'trust-readonly-data-'));
  demo = await demoDatabase(11);
  await demo.close(); // no pool of ours stays connected: every session counted below is the gate's
  await withClient(demo.adminUrl, (c) => c.query('VACUUM ANALYZE')); // so autovacuum has nothing to do meanwhile
}, 600_000);

afterAll(async () => {
  restoreEnv();
  await demo?.drop();
});

/** Runs the gate as `trust check` does, with exactly the credentials given. */
async function gate(env: { DATABASE_URL?: string; TRUST_READER_URL?: string }): Promise<RunOutcome> {
  for (const k of ['DATABASE_URL', 'TRUST_READER_URL', 'TRUST_RUNTIME_URL'] as const) delete process.env[k];
  Object.assign(process.env, env);
  try {
    return await runGate({ root: ROOT, outDir: mkdtempSync(path.join(os.tmpdir(), 'trust-readonly-out-')), progress: silentProgress });
  } finally {
    for (const k of ['DATABASE_URL', 'TRUST_READER_URL'] as const) delete process.env[k];
  }
}

/**
 * What a committed write would change: relations, columns, triggers, policies,
 * constraints, functions, grants, roles (attributes, memberships, password hashes, which a
 * role bootstrap rewrites), settings, the audit chain head and every sequence's position.
 * Statistics columns (relpages, reltuples, frozen xids) are left out: autovacuum moves them.
 */
const FINGERPRINT = `
  SELECT json_build_object(
    'relations', (SELECT json_agg(json_build_object('r', c.oid::regclass::text, 'k', c.relkind, 'o', c.relowner::regrole::text, 'acl', c.relacl::text,
        'rls', c.relrowsecurity, 'force', c.relforcerowsecurity, 'opts', c.reloptions) ORDER BY c.oid::regclass::text)
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public'),
    'columns', (SELECT md5(string_agg(concat_ws('|', a.attrelid::regclass::text, a.attname, a.atttypid::regtype::text, a.attnotnull, a.attisdropped, a.attacl::text), ',' ORDER BY a.attrelid::regclass::text, a.attnum))
      FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND a.attnum > 0),
    'triggers', (SELECT json_agg(concat_ws('|', t.tgrelid::regclass::text, t.tgname, t.tgenabled, t.tgfoid::regproc::text, t.tgtype) ORDER BY t.tgrelid::regclass::text, t.tgname)
      FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public'),
    'policies', (SELECT json_agg(concat_ws('|', p.polrelid::regclass::text, p.polname, p.polcmd, p.polpermissive, p.polroles::regrole[]::text,
        pg_get_expr(p.polqual, p.polrelid), pg_get_expr(p.polwithcheck, p.polrelid)) ORDER BY p.polrelid::regclass::text, p.polname) FROM pg_policy p),
    'constraints', (SELECT md5(string_agg(concat_ws('|', x.conrelid::regclass::text, x.conname, x.convalidated, pg_get_constraintdef(x.oid)), ',' ORDER BY x.conrelid::regclass::text, x.conname))
      FROM pg_constraint x JOIN pg_namespace n ON n.oid = x.connamespace WHERE n.nspname = 'public'),
    'functions', (SELECT md5(string_agg(concat_ws('|', f.oid::regprocedure::text, md5(f.prosrc), f.prosecdef, f.proconfig::text, f.proacl::text, f.proowner::regrole::text), ',' ORDER BY f.oid::regprocedure::text))
      FROM pg_proc f JOIN pg_namespace n ON n.oid = f.pronamespace WHERE n.nspname = 'public'),
    'roles', (SELECT json_agg(concat_ws('|', r.rolname, r.rolsuper, r.rolinherit, r.rolcreaterole, r.rolcreatedb, r.rolcanlogin, r.rolreplication, r.rolbypassrls,
        r.rolconnlimit, md5(coalesce(r.rolpassword, '')), r.rolvaliduntil) ORDER BY r.rolname) FROM pg_authid r WHERE r.rolname LIKE 'trust\\_%'),
    'memberships', (SELECT json_agg(concat_ws('|', m.roleid::regrole::text, m.member::regrole::text, m.admin_option) ORDER BY 1)
      FROM pg_auth_members m WHERE m.member::regrole::text LIKE 'trust\\_%' OR m.roleid::regrole::text LIKE 'trust\\_%'),
    'settings', (SELECT json_agg(concat_ws('|', s.setdatabase, s.setrole::regrole::text, s.setconfig::text) ORDER BY 1) FROM pg_db_role_setting s),
    'database', (SELECT concat_ws('|', d.datacl::text, (SELECT n.nspacl::text FROM pg_namespace n WHERE n.nspname = 'public'),
        (SELECT string_agg(e.extname || ' ' || e.extversion, ',' ORDER BY e.extname) FROM pg_extension e)) FROM pg_database d WHERE d.datname = current_database()),
    'chain', (SELECT json_build_object('head', h.seq, 'hash', encode(h.hash, 'hex'), 'max', (SELECT max(seq) FROM audit_events), 'count', (SELECT count(*) FROM audit_events),
        'checkpoints', (SELECT count(*) FROM audit_checkpoints)) FROM event_chain_head h),
    'sequences', (SELECT json_agg(concat_ws('|', s.schemaname, s.sequencename, s.last_value) ORDER BY s.schemaname, s.sequencename) FROM pg_sequences s)
  ) AS fp`;

interface Observation {
  commits: number;
  rollbacks: number;
  sessions: number;
  fingerprint: unknown;
}

/** Stats and fingerprint, read in a transaction that is itself rolled back (not counted as a commit). */
async function observe(c: pg.Client): Promise<Observation> {
  // Sessions of the gate flush their counters when they exit: wait until none is left.
  // Every statement of ours runs in a transaction rolled back, so that none is counted as a commit.
  for (let i = 0; ; i++) {
    await c.query('BEGIN');
    const r = await c.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'`);
    await c.query('ROLLBACK');
    if (r.rows[0].n === 0) break;
    if (i > 100) throw new Error('the gate left a session open');
    await new Promise((res) => setTimeout(res, 50));
  }
  let last: Observation | null = null;
  // Read until two readings 150 ms apart agree (an exiting backend may still be flushing).
  for (;;) {
    await c.query('BEGIN');
    try {
      await c.query('SELECT pg_stat_clear_snapshot()');
      const s = (await c.query(`SELECT xact_commit::int AS commits, xact_rollback::int AS rollbacks, sessions::int AS sessions FROM pg_stat_database WHERE datname = current_database()`)).rows[0];
      const fp = (await c.query(FINGERPRINT)).rows[0].fp;
      const now: Observation = { commits: s.commits, rollbacks: s.rollbacks, sessions: s.sessions, fingerprint: fp };
      if (last && last.commits === now.commits && last.sessions === now.sessions) return now;
      last = now;
    } finally {
      await c.query('ROLLBACK');
    }
    await new Promise((res) => setTimeout(res, 150));
  }
}

function verdicts(r: RunOutcome): Record<string, string> {
  return Object.fromEntries(r.bundle.evaluations.map((e) => [e.control, e.verdict]));
}

describe('the gate is read-only', () => {
  it("commits nothing in the audited database: only the sessions' own startup transactions, probes rolled back, catalog and chain unchanged", async () => {
    const monitor = new pg.Client({ connectionString: demo.adminUrl });
    await monitor.connect();
    try {
      // An autovacuum worker visiting the database (about once a minute) commits a few
      // transactions of its own, which pg_stat_database cannot tell from ours: a mismatch
      // is measured again, twice at most. A gate that commits fails every attempt.
      let extra = -1;
      for (let attempt = 1; attempt <= 3 && extra !== 0; attempt++) {
        const before = await observe(monitor);
        const r = await gate({ DATABASE_URL: demo.adminUrl });
        const after = await observe(monitor);
        // The catalog, roles, chain and sequences never change, whoever else is around.
        expect(after.fingerprint).toEqual(before.fingerprint);
        const sessions = after.sessions - before.sessions;
        extra = after.commits - before.commits - sessions;
        // The reader's snapshot and the probes' transaction, at least, were rolled back.
        expect(after.rollbacks - before.rollbacks).toBeGreaterThanOrEqual(2);
        expect(sessions).toBeGreaterThanOrEqual(2);
        const v = verdicts(r);
        for (const id of PROBED) expect(v[id], `${id} on the untouched demo`).toBe('holds');
        if (extra !== 0) console.log(`attempt ${attempt}: ${extra} commit(s) beyond the ${sessions} session startup(s); measuring again`);
      }
      expect(extra, 'commits beyond one startup transaction per session').toBe(0);
    } finally {
      await monitor.end();
    }
  });

  it('with only the reader URL, skips the probes and the controls that need them are not live, saying why', async () => {
    const r = await gate({ TRUST_READER_URL: roleUrl(demo.adminUrl, 'reader') });
    expect(r.exitCode).toBe(1);
    for (const id of PROBED) {
      const e = r.bundle.evaluations.find((x) => x.control === id)!;
      expect(e.verdict, id).toBe('regression');
      expect(e.observed, id).not.toBe('live');
      const probe = e.checks.find((c) => c.check === 'probe_refused')!;
      expect(probe.status, id).toBe('error');
      expect(probe.findings[0].kind).toBe('enforcement');
      expect(probe.findings[0].reason).toMatch(/enforcement probes were skipped: no runtime credential; set TRUST_RUNTIME_URL/i);
    }
  });

  it('a probe the database lets through fails the right control, with kind enforcement', async () => {
    const db = await createTestDatabase(demo.name);
    try {
      await db.close();
      // A careless migration: each table's account policy, RLS and FORCE stay exactly as they
      // were, but an extra permissive policy (OR-ed with it) lets the runtime role read every
      // VM and store a state for any account.
      await withClient(db.adminUrl, (c) =>
        c.query(`
        CREATE POLICY support_reads ON vms FOR SELECT TO trust_app USING (true);
        CREATE POLICY support_writes ON oauth_states FOR INSERT TO trust_app WITH CHECK (true)`),
      );
      const r = await gate({ DATABASE_URL: db.adminUrl });
      expect(r.exitCode).toBe(1);
      const e = r.bundle.evaluations.find((x) => x.control === 'account_rows_isolated_by_rls')!;
      expect(e.verdict).toBe('regression');
      const probes = e.checks.filter((c) => c.check === 'probe_refused');
      const failed = probes.flatMap((c) => c.findings).filter((f) => f.status === 'fail');
      if (!failed.length) console.log(JSON.stringify(probes, null, 1).slice(0, 3000));
      expect(failed.every((f) => f.kind === 'enforcement')).toBe(true);
      expect(failed.map((f) => f.origin.resource).sort()).toEqual(['table:public.oauth_states', 'table:public.vms']);
      expect(failed.find((f) => f.origin.resource === 'table:public.vms')).toMatchObject({ observed: 'rows seen: 1' });
      expect(failed.find((f) => f.origin.resource === 'table:public.oauth_states')?.reason).toMatch(/cross_account_write\.insert was allowed/);
      expect(r.failures.some((f) => f.control === 'account_rows_isolated_by_rls')).toBe(true);
      // The break is about isolation: the other probed controls still hold.
      const v = verdicts(r);
      for (const id of ['audit_events_append_only', 'agent_secrets_encrypted', 'oauth_tokens_encrypted']) expect(v[id], id).toBe('holds');
    } finally {
      await db.drop();
    }
  });
});
