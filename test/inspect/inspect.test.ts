/**
 * `trust inspect` against real schemas: PowerDNS's PostgreSQL schema as Debian ships it
 * (package pdns-backend-pgsql), an unusual hand-made schema, and the platform itself.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inspectDatabase } from '../../evidence/cli/commands/inspect.ts';
import { createTestDatabase } from '../helpers/db.ts';

const PDNS_SCHEMA = '/usr/share/pdns-backend-pgsql/schema/schema.pgsql.sql';
const created: string[] = [];

async function freshDatabase(sql: string): Promise<string> {
  const server = inject('serverUrl');
  const name = `trust_test_inspect_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: server });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  created.push(name);
  const u = new URL(server);
  u.pathname = '/' + name;
  const c = new pg.Client({ connectionString: u.toString() });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
  return u.toString();
}

afterAll(async () => {
  const admin = new pg.Client({ connectionString: inject('serverUrl') });
  await admin.connect();
  for (const n of created) await admin.query(`DROP DATABASE IF EXISTS ${n} WITH (FORCE)`);
  await admin.end();
});

describe('trust inspect', () => {
  it('finds the plaintext TSIG secret in PowerDNS\'s schema (golden)', async () => {
    // Debian's pdns-backend-pgsql package ships the schema; .ci/run installs it.
    expect(existsSync(PDNS_SCHEMA), `${PDNS_SCHEMA} missing: apt-get install -y pdns-backend-pgsql`).toBe(true);
    const url = await freshDatabase(readFileSync(PDNS_SCHEMA, 'utf8'));
    const { findings, tables } = await inspectDatabase(url);
    expect(tables).toBeGreaterThanOrEqual(7);
    await expect(JSON.stringify({ findings }, null, 2) + '\n').toMatchFileSnapshot('./golden/pdns.json');
    expect(findings).toContainEqual(expect.objectContaining({ lint: 'plaintext_secret_column', resource: 'column:public.tsigkeys.secret' }));
  });

  it('does not crash on unusual schemas and finds what is planted', async () => {
    const url = await freshDatabase(`
      CREATE SCHEMA "Odd Schema";
      CREATE TYPE mood AS ENUM ('ok', 'sad');
      CREATE DOMAIN email AS text CHECK (VALUE ~ '@');
      CREATE TABLE "Odd Schema"."Mixed Case" ("Weird ""Col""" mood, e email, arr int[][], r int4range, "userId" uuid, token bytea);
      CREATE TABLE events (id bigint GENERATED ALWAYS AS IDENTITY, at timestamptz, body jsonb, PRIMARY KEY (id, at)) PARTITION BY RANGE (at);
      CREATE TABLE events_2026 PARTITION OF events FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
      CREATE VIEW v AS SELECT 1 AS x;
      CREATE MATERIALIZED VIEW mv AS SELECT 1 AS x;
      CREATE TABLE settings (id int PRIMARY KEY, password_min_length integer NOT NULL DEFAULT 12, password_hash text);
      CREATE FUNCTION definer() RETURNS int LANGUAGE sql SECURITY DEFINER AS 'SELECT 1';
      CREATE FUNCTION agg_state(int, int) RETURNS int LANGUAGE sql AS 'SELECT $1 + $2';
      CREATE AGGREGATE total(int) (SFUNC = agg_state, STYPE = int);
      CREATE PROCEDURE proc() LANGUAGE sql AS 'SELECT 1';
      CREATE ROLE inspect_bypass_${randomBytes(3).toString('hex')} LOGIN BYPASSRLS;
      CREATE TABLE members (id int PRIMARY KEY, org_id int);
      ALTER TABLE members ENABLE ROW LEVEL SECURITY;`);
    const { findings } = await inspectDatabase(url);
    const got = findings.map((f) => `${f.lint} ${f.resource}`);
    expect(got).toContain('table_without_primary_key table:Odd Schema.Mixed Case');
    expect(got).toContain('plaintext_secret_column column:Odd Schema.Mixed Case.token');
    expect(got).toContain('tenant_table_without_rls table:Odd Schema.Mixed Case');
    expect(got).toContain('mutable_audit_table table:public.events');
    expect(got).toContain('security_definer_search_path function:public.definer()');
    expect(got).toContain('rls_not_forced table:public.members');
    expect(got.some((g) => g.startsWith('privileged_login_role role:inspect_bypass_'))).toBe(true);
    expect(got.filter((g) => g.includes('settings'))).toEqual([]);
    expect(got.filter((g) => g.includes('events_2026'))).toEqual([]);
  });

  it('runs as the platform\'s read-only role on the platform database', async () => {
    const db = await createTestDatabase();
    try {
      const { findings, queries } = await inspectDatabase(db.url('reader'));
      expect(queries).toBeLessThanOrEqual(8);
      // Every finding names its lint, resource and a sentence.
      for (const f of findings) expect(f.reason).toMatch(/`.+`.*\.$/);
    } finally {
      await db.drop();
    }
  });

  it('prints {findings} with --json and exits 2 on an unreachable database', () => {
    const bin = 'evidence/cli/bin.mjs';
    let code = 0;
    let stderr = '';
    try {
      execFileSync('node', [bin, 'inspect', '--database-url', 'postgres://nobody:x@127.0.0.1:1/none', '--json'], { encoding: 'utf8', stdio: 'pipe' });
    } catch (e) {
      code = (e as { status: number }).status;
      stderr = String((e as { stderr: string }).stderr);
    }
    expect(code).toBe(2);
    expect(stderr.split('\n')[0]).toMatch(/^trust inspect: database unreachable/);
  });
});
