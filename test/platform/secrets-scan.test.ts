/**
 * A full `trust demo` run leaks no secret: every log line (demo log, stdout, stderr)
 * and every audit event is scanned for the demo's actual secret values (decrypted from
 * the database) and for the shapes of secrets that are only stored hashed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { createTestDatabase } from '../helpers/db.ts';
import { adminQuery } from '../helpers/core-ii-fixtures.ts';

process.env.TRUST_KEYRING = JSON.stringify({ active: 1, keys: { '1': randomBytes(32).toString('base64') } });

let db: Awaited<ReturnType<typeof createTestDatabase>>;
const lines: string[] = [];
beforeAll(async () => {
  db = await createTestDatabase();
  const capture = (stream: NodeJS.WriteStream) => {
    const orig = stream.write.bind(stream);
    stream.write = ((chunk: unknown, ...rest: unknown[]) => {
      lines.push(String(chunk));
      return (orig as (...a: unknown[]) => boolean)(chunk, ...rest);
    }) as typeof stream.write;
    return () => {
      stream.write = orig as typeof stream.write;
    };
  };
  const restoreOut = capture(process.stdout);
  const restoreErr = capture(process.stderr);
  try {
    const { runDemo } = await import('../../platform/demo/run.ts');
    await runDemo(db, { scale: 1, seed: 1, workers: 2, log: (l) => lines.push(l) });
  } finally {
    restoreOut();
    restoreErr();
  }
}, 600_000);
afterAll(async () => {
  await db.drop();
});

const SHAPES = [
  /hck_(read|manage|admin)_[0-9a-f]{16,}/, // API keys
  /hcv_[0-9a-f]{16,}/, // proxy virtual keys
  /\$2[aby]\$\d\d\$/, // bcrypt hashes
  /tev\d:\d+:/, // ciphertexts
  /demo [A-Za-z0-9_-]{12} passphrase/, // the demo's passwords
  /demo-(access|refresh)-[0-9a-f]{8}/, // OAuth tokens
];

describe('a full demo run', () => {
  it('exercised core II', async () => {
    const [c] = await adminQuery(
      db,
      `SELECT (SELECT count(*) FROM users)::int AS users, (SELECT count(*) FROM oauth_connections)::int AS oauth,
      (SELECT count(*) FROM agent_secrets)::int AS secrets, (SELECT count(*) FROM audit_events WHERE action = 'oauth.refresh_failed')::int AS failed,
      (SELECT count(*) FROM deletion_requests WHERE completed_at IS NOT NULL)::int AS purged, (SELECT count(*) FROM job_runs)::int AS jobs`,
    );
    expect(c.users).toBeGreaterThanOrEqual(3);
    expect(c.oauth).toBeGreaterThanOrEqual(4);
    expect(c.secrets).toBeGreaterThan(50);
    expect(c.failed).toBe(1);
    expect(c.purged).toBe(1);
    expect(c.jobs).toBeGreaterThanOrEqual(7);
    expect(lines.join('\n')).toMatch(/core II: /);
  });

  it('no secret in any log line or audit event', async () => {
    const { defaultKeyring } = await import('../../platform/crypto/keyring.ts');
    const { loadEncryptionConfig } = await import('../../platform/crypto/encrypted-columns.ts');
    const { bindingSelect, openColumn, storedContext } = await import('../../platform/crypto/column-cipher.ts');
    const keyring = defaultKeyring();
    const secrets: string[] = [];
    for (const col of loadEncryptionConfig().columns) {
      const rows = await adminQuery(db, `SELECT ${bindingSelect(col)}, ${col.column} AS ct FROM ${col.table} WHERE ${col.column} IS NOT NULL`);
      for (const r of rows) secrets.push(openColumn(keyring, storedContext(col, r), r.ct));
    }
    expect(secrets.length).toBeGreaterThan(50);
    const audit = await adminQuery<{ seq: string; row: string }>(db, `SELECT seq, (to_jsonb(a) - 'hash' - 'prev_hash')::text AS row FROM audit_events a ORDER BY seq`);
    expect(audit.length).toBeGreaterThan(1000);
    const haystacks = [...lines.map((l, i) => ({ where: `log line ${i}`, text: l })), ...audit.map((a) => ({ where: `audit event ${a.seq}`, text: a.row }))];
    const found: string[] = [];
    const secretSet = new Set(secrets);
    for (const h of haystacks) {
      for (const re of SHAPES) if (re.test(h.text)) found.push(`${h.where}: ${re}`);
      for (const s of secretSet) if (h.text.includes(s)) found.push(`${h.where}: a decrypted secret`);
    }
    expect(found).toEqual([]);
  });
});
