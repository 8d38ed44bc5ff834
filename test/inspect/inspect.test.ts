/**
 * `trust inspect` against real schemas from Debian packages, each loaded with a few rows
 * holding real hashes (bcryptjs, `openssl passwd`, node's crypto) and real plaintext:
 * PowerDNS (pdns-backend-pgsql, installed by test/system.ts), FreeRADIUS (freeradius-config's
 * schema.sql) and Zabbix (zabbix-server-pgsql's schema.sql.gz), the last two downloaded and
 * extracted by test/helpers/debian.ts without installing them. Then an unusual hand-made
 * schema and the platform itself.
 *
 * For every secret column of a schema the test states the truth (hashed, plaintext, a
 * reference, or no rows to tell) and requires exactly that list back: every secret found,
 * hash told from plaintext, and no setting (`passwd_min_length integer`) flagged.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import bcrypt from 'bcryptjs';
import pg from 'pg';
import { inspectDatabase, type InspectFinding } from '../../evidence/cli/commands/inspect.ts';
import { createTestDatabase } from '../helpers/db.ts';
import { debianFile } from '../helpers/debian.ts';

const created: string[] = [];

async function freshDatabase(...sql: string[]): Promise<string> {
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
    for (const s of sql) await c.query(s);
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

/** A schema file from a Debian package, or a skipped test with one line saying how to get it. */
function schemaFrom(pkg: string, file: string): string | null {
  const got = debianFile(pkg, file);
  if ('skip' in got) {
    console.warn(`skipped: ${got.skip}`);
    return null;
  }
  const bytes = readFileSync(got.path);
  return (file.endsWith('.gz') ? gunzipSync(bytes) : bytes).toString('utf8');
}

type Verdict = 'hashed' | 'plaintext' | 'reference' | 'no rows' | 'shape check';
/** The verdict of secrets_not_plaintext per column, read off the Finding shape. */
function secretVerdicts(findings: InspectFinding[]): Record<string, Verdict> {
  const out: Record<string, Verdict> = {};
  for (const f of findings) {
    if (f.check !== 'secrets_not_plaintext' || f.origin.resource.startsWith('database:')) continue;
    const name = f.origin.resource.replace(/^column:public\./, '');
    if (f.kind === 'data') out[name] = f.status === 'fail' ? 'plaintext' : /holds hashes/.test(f.reason) ? 'hashed' : 'reference';
    else out[name] = f.status === 'fail' ? 'no rows' : 'shape check';
  }
  return out;
}

const lit = (s: string) => `'${s.replace(/'/g, "''")}'`;
const opensslPasswd = (alg: '-1' | '-5' | '-6', pw: string) => execFileSync('openssl', ['passwd', alg, '-salt', randomBytes(4).toString('hex'), pw], { encoding: 'utf8' }).trim();
const hex = (alg: string, s: string) => createHash(alg).update(s).digest('hex');
const ssha = (pw: string) => {
  const salt = randomBytes(4);
  return '{SSHA}' + Buffer.concat([createHash('sha1').update(pw).update(salt).digest(), salt]).toString('base64');
};

const PDNS = schemaFrom('pdns-backend-pgsql', '/usr/share/pdns-backend-pgsql/schema/schema.pgsql.sql');
const FREERADIUS = schemaFrom('freeradius-config', '/etc/freeradius/3.0/mods-config/sql/main/postgresql/schema.sql');
const ZABBIX = schemaFrom('zabbix-server-pgsql', '/usr/share/zabbix-server-pgsql/schema.sql.gz');

describe('trust inspect on real schemas', () => {
  it.skipIf(!PDNS)('PowerDNS, untouched: the TSIG secret column, nothing else (golden)', async () => {
    const url = await freshDatabase(PDNS!);
    const { findings, tables } = await inspectDatabase(url);
    expect(tables).toBeGreaterThanOrEqual(7);
    const failing = findings.filter((f) => f.status !== 'pass');
    await expect(JSON.stringify({ findings: failing }, null, 2) + '\n').toMatchFileSnapshot('./golden/pdns.json');
    expect(secretVerdicts(findings)).toEqual({ 'tsigkeys.secret': 'no rows' });
  });

  it.skipIf(!PDNS)('PowerDNS with rows: a base64 TSIG secret and a DNSSEC private key under `content` are plaintext', async () => {
    const url = await freshDatabase(
      PDNS!,
      `
      INSERT INTO domains (name, type) VALUES ('example.org', 'NATIVE');
      INSERT INTO tsigkeys (name, algorithm, secret) VALUES ('axfr', 'hmac-sha256', ${lit(randomBytes(32).toString('base64'))});
      INSERT INTO cryptokeys (domain_id, flags, active, content) SELECT id, 257, true,
        ${lit(`Private-key-format: v1.2\nAlgorithm: 13 (ECDSAP256SHA256)\nPrivateKey: ${randomBytes(32).toString('base64')}\n`)} FROM domains;`,
    );
    const { findings } = await inspectDatabase(url);
    expect(secretVerdicts(findings)).toEqual({ 'tsigkeys.secret': 'plaintext', 'cryptokeys.content': 'plaintext' });
  });

  it.skipIf(!FREERADIUS)('FreeRADIUS: Cleartext-Password rows, the NAS secret and logged attempts are plaintext; {SSHA} and crypt are not', async () => {
    const url = await freshDatabase(
      FREERADIUS!,
      `
      INSERT INTO radcheck (username, attribute, op, value) VALUES
        ('alice', 'Cleartext-Password', ':=', 'correct horse battery'),
        ('bob', 'Cleartext-Password', ':=', 'Tr0ub4dor&3'),
        ('carol', 'Crypt-Password', ':=', ${lit(opensslPasswd('-1', 'carol-pw'))}),
        ('dave', 'Password-With-Header', ':=', ${lit(ssha('dave-pw'))}),
        ('erin', 'Password-With-Header', ':=', ${lit('{crypt}' + opensslPasswd('-6', 'erin-pw'))}),
        ('frank', 'MD5-Password', ':=', ${lit(hex('md5', 'frank-pw'))}),
        ('frank', 'Simultaneous-Use', ':=', '1');
      INSERT INTO nas (nasname, shortname, secret) VALUES ('10.0.0.1', 'ap1', 'testing123');
      INSERT INTO radpostauth (username, pass, reply) VALUES ('alice', 'correct horse battery', 'Access-Accept');`,
    );
    const { findings } = await inspectDatabase(url);
    expect(secretVerdicts(findings)).toEqual({
      'nas.secret': 'plaintext',
      'radpostauth.pass': 'plaintext',
      'radcheck.value[attribute=Cleartext-Password]': 'plaintext',
      'radcheck.value[attribute=Password-With-Header]': 'hashed',
    });
  });

  it.skipIf(!ZABBIX)('Zabbix: bcrypt and md5 logins and sha512 API tokens are hashes; SMTP, IPMI, LDAP passwords, PSK and session key plaintext; no setting flagged', async () => {
    const url = await freshDatabase(
      ZABBIX!,
      `
      INSERT INTO role (roleid, name, type) VALUES (1, 'Super admin role', 3);
      INSERT INTO users (userid, username, passwd, roleid) VALUES
        (1, 'Admin', ${lit(bcrypt.hashSync('zabbix', 10))}, 1), (2, 'legacy', ${lit(hex('md5', 'legacy-pw'))}, 1);
      INSERT INTO token (tokenid, name, userid, token) VALUES (1, 'ci', 1, ${lit(hex('sha512', randomBytes(32).toString('hex')))});
      INSERT INTO media_type (mediatypeid, name, passwd) VALUES (1, 'Email', 'smtp-Secret!');
      INSERT INTO hosts (hostid, host, ipmi_password, tls_psk_identity, tls_psk) VALUES (1, 'web1', 'ipmi-pw1', 'PSK 001', ${lit(randomBytes(32).toString('hex'))});
      INSERT INTO hstgrp (groupid, name) VALUES (1, 'Discovered hosts');
      INSERT INTO config (configid, discovery_groupid, ldap_bind_password, session_key) VALUES (1, 1, 'ldap-bind-pw', ${lit(randomBytes(16).toString('hex'))});
      INSERT INTO scripts (scriptid, name, command, publickey, privatekey) VALUES (1, 'uptime', 'uptime', 'id_rsa.pub', 'id_rsa');`,
    );
    const { findings } = await inspectDatabase(url);
    expect(secretVerdicts(findings)).toEqual({
      'users.passwd': 'hashed',
      'token.token': 'hashed',
      'media_type.passwd': 'plaintext',
      'hosts.ipmi_password': 'plaintext',
      'hosts.tls_psk': 'plaintext',
      'config.ldap_bind_password': 'plaintext',
      'config.session_key': 'plaintext',
      'scripts.privatekey': 'reference',
      // Empty tables (or only '' values): nothing shows whether they would hold hashes.
      'scripts.password': 'no rows',
      'config_autoreg_tls.tls_psk': 'no rows',
      'dchecks.snmpv3_authpassphrase': 'no rows',
      'dchecks.snmpv3_privpassphrase': 'no rows',
      'httptest.http_password': 'no rows',
      'httptest.ssl_key_password': 'no rows',
      'interface_snmp.authpassphrase': 'no rows',
      'interface_snmp.privpassphrase': 'no rows',
      'items.password': 'no rows',
      'items.privatekey': 'no rows',
      'items.ssl_key_password': 'no rows',
      'task_remote_command.password': 'no rows',
      'task_remote_command.privatekey': 'no rows',
    });
    // The settings that mention passwords are integers: never judged as secrets.
    expect(findings.filter((f) => /passwd_min_length|passwd_check_rules|tls_psk_identity|publickey/.test(f.origin.resource))).toEqual([]);
    // No finding carries a sampled value.
    expect(JSON.stringify(findings)).not.toMatch(/smtp-Secret|ipmi-pw1|ldap-bind-pw|\$2[ab]\$/);
  });
});

describe('trust inspect', () => {
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
      CREATE TABLE settings (id int PRIMARY KEY, password_min_length integer NOT NULL DEFAULT 12, require_password boolean, password_expiry_days int,
                             password_changed_at timestamptz, password_hash text);
      INSERT INTO settings VALUES (1, 12, true, 90, now(), 'x');
      CREATE TABLE "apiClients" (id int PRIMARY KEY, "apiKey" text, "clientSecret" bytea);
      INSERT INTO "apiClients" VALUES (1, 'ak_live_0123456789abcdef', '\\x00ff10'), (2, '${'ab'.repeat(32)}', 'plain-secret');
      CREATE FUNCTION definer() RETURNS int LANGUAGE sql SECURITY DEFINER AS 'SELECT 1';
      CREATE FUNCTION agg_state(int, int) RETURNS int LANGUAGE sql AS 'SELECT $1 + $2';
      CREATE AGGREGATE total(int) (SFUNC = agg_state, STYPE = int);
      CREATE PROCEDURE proc() LANGUAGE sql AS 'SELECT 1';
      CREATE ROLE inspect_bypass_${randomBytes(3).toString('hex')} LOGIN BYPASSRLS;
      CREATE TABLE members (id int PRIMARY KEY, org_id int);
      ALTER TABLE members ENABLE ROW LEVEL SECURITY;`);
    const { findings } = await inspectDatabase(url);
    const got = findings.filter((f) => f.status === 'fail').map((f) => `${f.check} ${f.origin.resource}`);
    expect(got).toContain('tables_have_primary_key table:Odd Schema.Mixed Case');
    expect(got).toContain('secrets_not_plaintext column:Odd Schema.Mixed Case.token');
    expect(got).toContain('tenant_tables_have_rls table:Odd Schema.Mixed Case');
    expect(got).toContain('audit_tables_immutable table:public.events');
    expect(got).toContain('definer_functions_pin_search_path function:public.definer()');
    expect(got).toContain('rls_forced_where_enabled table:public.members');
    expect(got.some((g) => g.startsWith('login_roles_not_privileged role:inspect_bypass_'))).toBe(true);
    expect(got.filter((g) => g.includes('settings'))).toEqual([]);
    expect(got.filter((g) => g.includes('events_2026'))).toEqual([]);
    // camelCase names; bytea: printable bytes are read as text, binary ones are not plaintext.
    expect(secretVerdicts(findings)).toMatchObject({ 'apiClients.apiKey': 'plaintext', 'apiClients.clientSecret': 'plaintext' });
    expect(findings.find((f) => f.origin.resource === 'column:public.apiClients.apiKey')?.observed).toBe('sampled 2: hex-256bit 1, other 1');
  });

  it("runs as the platform's read-only role on the platform database, in a bounded number of queries", async () => {
    const db = await createTestDatabase();
    try {
      const { findings, queries, results } = await inspectDatabase(db.url('reader'));
      expect(queries).toBeLessThanOrEqual(8);
      expect(results.every((r) => r.status !== 'error')).toBe(true);
      // Every finding names its object in a sentence.
      for (const f of findings) expect(f.reason).toMatch(/`.+`.*\.$/);
    } finally {
      await db.drop();
    }
  });

  it('prints {checks, findings} with --json and exits 2 on an unreachable database or a bad URL', () => {
    const bin = 'evidence/cli/bin.mjs';
    const runCli = (...args: string[]) => {
      try {
        execFileSync('node', [bin, 'inspect', ...args], { encoding: 'utf8', stdio: 'pipe' });
        return { code: 0, stderr: '' };
      } catch (e) {
        return { code: (e as { status: number }).status, stderr: String((e as { stderr: string }).stderr) };
      }
    };
    const down = runCli('--database-url', 'postgres://nobody:x@127.0.0.1:1/none', '--json');
    expect(down.code).toBe(2);
    expect(down.stderr.split('\n')[0]).toMatch(/^trust inspect: database unreachable/);
    const bad = runCli('--database-url', 'not a url');
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    const help = execFileSync('node', [bin, 'inspect', '--help'], { encoding: 'utf8' });
    expect(help).toMatch(/npx trust inspect --database-url/);
    expect(help).toMatch(/secrets_not_plaintext/);
  });
});
