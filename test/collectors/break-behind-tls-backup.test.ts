/**
 * Issue 20, broken behind the platform's back: TLS to the database, encrypted backups that
 * restore, and the VMs' recorded boot configuration. Each break leaves the platform's code
 * alone and changes what it relies on (pg_hba.conf, the backup directory, job_runs, a
 * recorded cloud-init document) the way an operator, a careless script or a superuser
 * session would; the named control must fail, naming the object and the kind of proof.
 *
 * pg_hba.conf is cluster-wide: the break adds a rule for this test's database only, so
 * other test files (and their gates) on the same server are not affected, and is undone.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { backupDir, latestBackup, readHeader, restoreBackup } from '../../platform/backup/backup.ts';
import { evaluateControlOn } from '../helpers/evaluate-control.ts';
import { type TestDatabase, withClient } from '../helpers/db.ts';
import { loadCatalog } from '../../controls/loader.ts';
import { type CheckResult, type Finding } from '../../controls/checks/types.ts';
import type { Catalog } from '../../controls/types.ts';
import { demoDatabase } from '../helpers/demo-database.ts';

const root = process.cwd();
let db: TestDatabase;
let catalog: Catalog;
/** Whether the test server is ours (TLS, verify-full): the PG15 pass runs on Debian's default cluster. */
const tlsServer = () => new URL(db.adminUrl).searchParams.get('sslmode') === 'verify-full';

beforeAll(async () => {
  db = await demoDatabase(7);
  catalog = await loadCatalog(root);
}, 600_000);
afterAll(async () => {
  if (db) rmSync(backupDir(db.name), { recursive: true, force: true });
  await db?.drop();
});

async function evaluate(control: string): Promise<CheckResult[]> {
  return evaluateControlOn(db, control, { root, catalog, auditVerification: 'incremental' });
}
const failing = (rs: CheckResult[]): Finding[] => rs.flatMap((r) => r.findings.filter((f) => f.status !== 'pass'));
const show = (fs: Finding[]) => fs.map((f) => `${f.kind} ${f.origin.resource}: ${f.reason}`).join(' | ');

const admin = <T>(fn: (c: pg.Client) => Promise<T>) => withClient(db.adminUrl, fn);

describe('database_connections_tls', () => {
  it('holds on the embedded server with all three kinds of proof (fails honestly elsewhere)', async () => {
    const rs = await evaluate('database_connections_tls');
    if (!tlsServer()) {
      // Debian's default cluster: `host` rules and clients without verify-full. Reported, not hidden.
      expect(failing(rs).length).toBeGreaterThan(0);
      return;
    }
    expect(failing(rs), show(failing(rs))).toEqual([]);
    const kinds = new Set(rs.flatMap((r) => r.findings.map((f) => f.kind)));
    expect([...kinds].sort()).toEqual(['data', 'enforcement', 'structure']);
    const data = rs[0].findings.find((f) => f.kind === 'data')!;
    expect(data.reason).toMatch(/TLSv1\.[23]/);
  });

  // Fails on structure (the hba line) and enforcement (the login without TLS).
  it('database_connections_tls: pg_hba allows `host` (no TLS) for the runtime role', async () => {
    const file = await admin(async (c) => (await c.query<{ hba_file: string }>('SHOW hba_file')).rows[0].hba_file);
    const before = readFileSync(file, 'utf8');
    // Only this test's database: other files on the same server keep their TLS-only rules.
    writeFileSync(file, `host ${db.name} trust_app 127.0.0.1/32 scram-sha-256\n` + before);
    try {
      await admin((c) => c.query('SELECT pg_reload_conf()'));
      const rs = await evaluate('database_connections_tls');
      expect(rs.find((r) => r.check === 'db_connections_tls')?.status).toBe('fail');
      const bad = failing(rs);
      const line = bad.find((f) => f.origin.resource === 'hba:line 1');
      expect(line, show(bad)).toBeDefined();
      expect(line!.kind).toBe('structure');
      expect(line!.reason).toMatch(/trust_app/);
      const probe = bad.find((f) => f.origin.resource === 'probe:plaintext-login:trust_app');
      expect(probe, show(bad)).toBeDefined();
      expect(probe!.kind).toBe('enforcement');
      // Reader probe still refused: the rule names only trust_app.
      if (tlsServer()) expect(bad.some((f) => f.origin.resource === 'probe:plaintext-login:trust_reader')).toBe(false);
    } finally {
      writeFileSync(file, before);
      await admin((c) => c.query('SELECT pg_reload_conf()'));
    }
  });

  // Fails on data (pg_stat_ssl).
  it('database_connections_tls: a session of the runtime role without TLS', async () => {
    if (!tlsServer()) return;
    const file = await admin(async (c) => (await c.query<{ hba_file: string }>('SHOW hba_file')).rows[0].hba_file);
    const before = readFileSync(file, 'utf8');
    writeFileSync(file, `host ${db.name} trust_app 127.0.0.1/32 scram-sha-256\n` + before);
    const u = new URL(db.url('app'));
    u.searchParams.delete('sslrootcert');
    u.searchParams.set('sslmode', 'disable');
    const plain = new pg.Client({ connectionString: u.toString(), application_name: 'careless-script' });
    try {
      await admin((c) => c.query('SELECT pg_reload_conf()'));
      await plain.connect();
      const bad = failing(await evaluate('database_connections_tls'));
      const session = bad.find((f) => f.kind === 'data');
      expect(session, show(bad)).toBeDefined();
      expect(session!.reason).toMatch(/trust_app.*careless-script.*not encrypted/);
    } finally {
      await plain.end().catch(() => {});
      writeFileSync(file, before);
      await admin((c) => c.query('SELECT pg_reload_conf()'));
    }
  });
});

describe('database_backups_encrypted', () => {
  it("the demo's backup is encrypted and restore-tested; data and enforcement findings pass", async () => {
    const rs = await evaluate('database_backups_encrypted');
    expect(failing(rs), show(failing(rs))).toEqual([]);
    const kinds = new Set(rs.flatMap((r) => r.findings.map((f) => f.kind)));
    expect([...kinds].sort()).toEqual(['data', 'enforcement']);
    const dir = backupDir(db.name);
    console.log(`backup directory of the test database: ${dir}`);
    const file = latestBackup(dir)!;
    // Not a plain dump: the header, then ciphertext; no table name or COPY line in clear.
    const bytes = readFileSync(file);
    expect(bytes.subarray(0, 15).toString()).toBe('TRUST-BACKUP/1\n');
    expect(bytes.includes(Buffer.from('audit_events'))).toBe(false);
    expect(bytes.includes(Buffer.from('COPY '))).toBe(false);
  });

  it('a backup changed by one byte does not restore, and leaves no scratch database', async () => {
    const file = latestBackup(backupDir(db.name))!;
    const tampered = path.join(os.tmpdir(), `tampered-${randomBytes(4).toString('hex')}.tbk`);
    const bytes = readFileSync(file);
    const h = readHeader(file)!;
    bytes[h.bodyStart + Math.floor((bytes.length - h.bodyStart) / 2)] ^= 0x01;
    writeFileSync(tampered, bytes);
    // The header is authenticated too: the same file claiming another database does not restore.
    const renamed = path.join(os.tmpdir(), `renamed-${randomBytes(4).toString('hex')}.tbk`);
    const original = readFileSync(file);
    writeFileSync(renamed, Buffer.from(original.toString('latin1').replace(`"database":"${db.name}"`, `"database":"${db.name.slice(0, -1)}x"`), 'latin1'));
    try {
      await expect(restoreBackup(db, tampered)).rejects.toThrow(/does not decrypt|authentication/);
      await expect(restoreBackup(db, renamed)).rejects.toThrow(/does not decrypt|authentication/);
      const left = await admin(async (c) => (await c.query(`SELECT datname FROM pg_database WHERE datname LIKE $1`, [`${db.name.slice(0, 40)}_restore_%`])).rows);
      expect(left).toEqual([]);
      // The untouched file restores, with the same counts and chain head.
      const ok = await restoreBackup(db, file);
      expect(ok.countsMatch && ok.headMatch && ok.chainVerified).toBe(true);
    } finally {
      rmSync(tampered, { force: true });
      rmSync(renamed, { force: true });
    }
  });

  it('database_backups_encrypted: a plain-text dump in the backup directory', async () => {
    const dir = backupDir(db.name);
    const plain = path.join(dir, 'manual-dump.sql');
    writeFileSync(plain, '--\n-- PostgreSQL database dump\n--\nSET statement_timeout = 0;\nCOPY public.accounts (id, name) FROM stdin;\n\\.\n');
    try {
      const rs = await evaluate('database_backups_encrypted');
      expect(rs.find((r) => r.check === 'backups_encrypted_restored')?.status).toBe('fail');
      const bad = failing(rs);
      const hit = bad.find((f) => f.origin.resource === `file:${dir}/manual-dump.sql`);
      expect(hit, show(bad)).toBeDefined();
      expect(hit!.kind).toBe('data');
      expect(hit!.reason).toMatch(/unencrypted database dump/);
    } finally {
      rmSync(plain, { force: true });
    }
  });

  it('database_backups_encrypted: the latest restore test failed, then one overdue', async () => {
    const id = await admin(
      async (c) =>
        (
          await c.query<{ id: string }>(
            `INSERT INTO job_runs (job, started_at, finished_at, status, details) VALUES ('backup.restore_test', clock_timestamp(), clock_timestamp(), 'failed', '{"error":"restored row counts differ from the backup: agents"}') RETURNING id`,
          )
        ).rows[0].id,
    );
    try {
      const bad = failing(await evaluate('database_backups_encrypted'));
      const hit = bad.find((f) => f.origin.resource === `row:public.job_runs.id=${id}`);
      expect(hit, show(bad)).toBeDefined();
      expect(hit!.reason).toMatch(/latest restore test.*failed/);
    } finally {
      await admin((c) => c.query('DELETE FROM job_runs WHERE id = $1', [id]));
    }
    // Overdue: every restore test moved back nine days, behind the platform's back.
    const moved = await admin(
      async (c) =>
        (await c.query<{ id: string }>(`UPDATE job_runs SET started_at = started_at - interval '9 days', finished_at = finished_at - interval '9 days' WHERE job = 'backup.restore_test' RETURNING id`))
          .rows,
    );
    try {
      const bad = failing(await evaluate('database_backups_encrypted'));
      expect(
        bad.some((f) => /overdue/.test(f.reason)),
        show(bad),
      ).toBe(true);
    } finally {
      await admin((c) =>
        c.query(`UPDATE job_runs SET started_at = started_at + interval '9 days', finished_at = finished_at + interval '9 days' WHERE id = ANY($1::bigint[])`, [moved.map((m) => m.id)]),
      );
    }
  });

  it('database_backups_encrypted: the latest backup two days old', async () => {
    const moved = await admin(
      async (c) =>
        (await c.query<{ id: string }>(`UPDATE job_runs SET started_at = started_at - interval '2 days', finished_at = finished_at - interval '2 days' WHERE job = 'backup.dump' RETURNING id`)).rows,
    );
    try {
      const bad = failing(await evaluate('database_backups_encrypted'));
      expect(
        bad.some((f) => /latest successful backup.*hours old/.test(f.reason)),
        show(bad),
      ).toBe(true);
    } finally {
      await admin((c) =>
        c.query(`UPDATE job_runs SET started_at = started_at + interval '2 days', finished_at = finished_at + interval '2 days' WHERE id = ANY($1::bigint[])`, [moved.map((m) => m.id)]),
      );
    }
  });
});

describe('VM boot configuration, read as sshd and ufw read it', () => {
  /** The create_server operation of a live VM, and its recorded document. */
  async function liveVmDocument(): Promise<{ op: string; server: string; text: string }> {
    return admin(
      async (c) =>
        (
          await c.query<{ op: string; server: string; text: string }>(`
      SELECT p.id::text AS op, v.server_id::text AS server, p.request->>'user_data' AS text
        FROM vms v JOIN provider_operations p ON p.operation = 'create_server' AND p.resource_id = v.server_id
       ORDER BY v.id LIMIT 1`)
        ).rows[0],
    );
  }
  /** Rewrites a recorded document behind the platform's back (superuser, replica mode), and restores it. */
  async function withDocument(edit: (doc: Record<string, unknown>) => void, body: (op: string) => Promise<void>): Promise<void> {
    const { op, text } = await liveVmDocument();
    const doc = parseYaml(text) as Record<string, unknown>;
    edit(doc);
    const set = (t: string) =>
      admin(async (c) => {
        await c.query('BEGIN');
        await c.query('SET LOCAL session_replication_role = replica');
        await c.query(`UPDATE provider_operations SET request = jsonb_set(request, '{user_data}', to_jsonb($2::text)) WHERE id = $1`, [op, t]);
        await c.query('COMMIT');
      });
    await set(`#cloud-config\n${stringifyYaml(doc)}`);
    try {
      await body(op);
    } finally {
      await set(text);
    }
  }
  const hitOn = (bad: Finding[], op: string, re: RegExp) => {
    const hit = bad.find((f) => f.origin.resource === `row:public.provider_operations.id=${op}`);
    expect(hit, show(bad)).toBeDefined();
    expect(hit!.kind).toBe('data');
    expect(hit!.reason).toMatch(re);
  };

  it("the demo's VMs hold, and their documents match the firewall rows", async () => {
    for (const control of ['vm_ssh_key_only', 'vm_firewall_default_deny', 'vm_brute_force_blocked']) {
      const rs = await evaluate(control);
      expect(failing(rs), `${control}: ${show(failing(rs))}`).toEqual([]);
    }
    const fw = (await evaluate('vm_firewall_default_deny')).flatMap((r) => r.findings);
    expect(fw.some((f) => f.origin.resource === 'table:public.firewall_rules' && f.kind === 'data')).toBe(true);
  });

  it('vm_ssh_key_only: a drop-in read before ours enables password logins (sshd: the first value wins)', async () => {
    await withDocument(
      (doc) => {
        (doc.write_files as unknown[]).push({ path: '/etc/ssh/sshd_config.d/00-debug.conf', content: 'passwordauthentication yes\n' });
      },
      async (op) => hitOn(failing(await evaluate('vm_ssh_key_only')), op, /PasswordAuthentication is yes/),
    );
  });

  it('vm_ssh_key_only: a Match block re-enables passwords (a later duplicate line does not override: the first wins)', async () => {
    await withDocument(
      (doc) => {
        const f = (doc.write_files as { path: string; content: string }[]).find((x) => x.path.startsWith('/etc/ssh/sshd_config.d/'))!;
        f.content += 'PasswordAuthentication yes\nMatch User harbor\n  PasswordAuthentication yes\n';
      },
      async (op) => {
        const bad = failing(await evaluate('vm_ssh_key_only'));
        hitOn(bad, op, /inside `Match User harbor`/);
        expect(bad.find((f) => f.origin.resource === `row:public.provider_operations.id=${op}`)!.reason).not.toMatch(/PasswordAuthentication is yes/);
      },
    );
  });

  it('vm_ssh_key_only: ssh_pwauth: true in the recorded document', async () => {
    await withDocument(
      (doc) => {
        doc.ssh_pwauth = true;
      },
      async (op) => hitOn(failing(await evaluate('vm_ssh_key_only')), op, /ssh_pwauth is true/),
    );
  });

  it('vm_firewall_default_deny: ufw default allow incoming after the deny (ufw: the last default wins)', async () => {
    await withDocument(
      (doc) => {
        (doc.runcmd as unknown[]).push('ufw default allow && systemctl reload ssh');
      },
      async (op) => hitOn(failing(await evaluate('vm_firewall_default_deny')), op, /inbound default ends up allow/),
    );
  });

  it('vm_firewall_default_deny: a firewall row the VM does not apply', async () => {
    const { server } = await liveVmDocument();
    const id = await admin(
      async (c) =>
        (
          await c.query<{ id: string }>(
            `
      INSERT INTO firewall_rules (server_id, server_kind, account_id, direction, protocol, port_from, port_to)
      SELECT server_id, server_kind, account_id, 'inbound', 'tcp', 3306, 3306 FROM firewalls WHERE server_id = $1 RETURNING id`,
            [server],
          )
        ).rows[0].id,
    );
    try {
      const bad = failing(await evaluate('vm_firewall_default_deny'));
      const hit = bad.find((f) => f.origin.resource === `row:public.firewalls.server_id=${server}`);
      expect(hit, show(bad)).toBeDefined();
      expect(hit!.reason).toMatch(/3306/);
    } finally {
      await admin((c) => c.query('DELETE FROM firewall_rules WHERE id = $1', [id]));
    }
  });
});
