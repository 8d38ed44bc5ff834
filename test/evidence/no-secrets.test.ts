/**
 * No secret value in any output. A demo platform plus secrets created through the
 * platform's own services (a password, an API key, OAuth tokens, an agent secret),
 * then the real catalog and collectors and every output the engine writes; every
 * file (and the PDF's extracted text) is scanned for each secret and for the key
 * material of the keyring, the audit checkpoint key and the bundle signing key.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { createTestDatabase } from '../helpers/db.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
let db: Awaited<ReturnType<typeof createTestDatabase>>;
const dataDir = mkdtempSync(path.join(os.tmpdir(), 'trust-secrets-data-'));
const outDir = mkdtempSync(path.join(os.tmpdir(), 'trust-secrets-out-'));
const secrets: Record<string, string> = {};

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = path.join(dir, f);
    return statSync(p).isDirectory() ? files(p) : [p];
  });
}

/** The interesting part of a PEM: its base64 body, and 24-character slices of it. */
function pemPieces(pem: string): string[] {
  const body = pem
    .split('\n')
    .filter((l) => l && !l.startsWith('-----'))
    .join('');
  return [body, ...Array.from({ length: Math.floor(body.length / 24) }, (_, i) => body.slice(i * 24, i * 24 + 24))];
}

beforeAll(async () => {
  process.env.TRUST_DATA_DIR = dataDir;
  delete process.env.TRUST_SIGNING_KEY;
  delete process.env.TRUST_SIGNING_KEY_FILE;
  db = await createTestDatabase();
  const { runDemo } = await import('../../platform/demo/run.ts');
  await runDemo(db, { scale: 1, seed: 7, log: () => {} });

  const admin = new pg.Client({ connectionString: db.adminUrl });
  await admin.connect();
  const agent = (await admin.query<{ id: string; account_id: string }>(`SELECT id, account_id FROM agents ORDER BY id LIMIT 1`)).rows[0];
  await admin.end();
  const accountId = agent.account_id;

  const { createUser } = await import('../../platform/identity/users.ts');
  const { createApiKey } = await import('../../platform/identity/api-keys.ts');
  const { createOAuthConnection } = await import('../../platform/oauth/connections.ts');
  const { setAgentSecret } = await import('../../platform/secrets/agent-secrets.ts');
  const { loadKeyring, developmentKeyringPath } = await import('../../platform/crypto/keyring.ts');
  const { withTransaction } = await import('../../platform/db/tx.ts');
  const app = db.pool('app');
  const keyring = loadKeyring({ warn: () => {} });

  secrets.password = 'Correct-Horse-Battery-9f3k2';
  await createUser(app, { accountId, email: 'secret-scan@harborcloud.example', password: secrets.password });
  secrets.apiKey = (await createApiKey(app, { accountId, name: 'scan', tier: 'admin' as never, actor: 'test' })).key;
  secrets.accessToken = 'ya29.scanAccessToken-7hQ2mZ8xP4vK1nR6';
  secrets.refreshToken = '1//scanRefreshToken-Lk3Jd9Qw2Xz7Vb5N';
  await createOAuthConnection(app, keyring, {
    accountId,
    provider: 'github',
    tokens: { accessToken: secrets.accessToken, refreshToken: secrets.refreshToken, expiresInSeconds: 3600 } as never,
    actor: 'test',
  });
  secrets.agentSecret = 'sk-scan-agent-secret-Q8w7E6r5T4y3U2i1';
  await withTransaction(app, { accounts: [accountId] }, (c) => setAgentSecret(c, { agentId: agent.id, accountId, name: 'SCAN_SECRET', value: secrets.agentSecret }, keyring));

  const keyringFile = JSON.parse(readFileSync(developmentKeyringPath(), 'utf8')) as { keys: Record<string, string> };
  for (const [v, k] of Object.entries(keyringFile.keys)) {
    secrets[`keyring key ${v}`] = k;
    secrets[`keyring key ${v} (hex)`] = Buffer.from(k, 'base64').toString('hex');
  }

  // Every secret the demo itself stored encrypted (OAuth tokens, agent secrets...), decrypted.
  const { loadEncryptionConfig } = await import('../../platform/crypto/encrypted-columns.ts');
  const { bindingSelect, openColumn, storedContext } = await import('../../platform/crypto/column-cipher.ts');
  const scan = new pg.Client({ connectionString: db.adminUrl });
  await scan.connect();
  let n = 0;
  for (const col of loadEncryptionConfig().columns) {
    const rows = (await scan.query<{ rid: string; ct: string }>(`SELECT ${bindingSelect(col)}, ${col.column} AS ct FROM ${col.table} WHERE ${col.column} IS NOT NULL`)).rows;
    for (const r of rows) secrets[`demo ${col.table}.${col.column} #${n++}`] = openColumn(keyring, storedContext(col, r), r.ct);
  }
  await scan.end();
  expect(n).toBeGreaterThan(50);

  // The real run: catalog, collectors, evaluation, every output.
  const { loadCatalogFrom, produceOutputs } = await import('../../evidence/pipeline.ts');
  const { runCollectors } = await import('../../collectors/run.ts');
  const { silentProgress } = await import('../../evidence/progress.ts');
  const catalog = await loadCatalogFrom(ROOT);
  const now = new Date();
  const { parts } = await runCollectors(db, { root: ROOT, now, catalog, auditVerification: 'full' });
  await produceOutputs({ root: ROOT, outDir, catalog, parts, now, progress: silentProgress });

  const { devKeyPath } = await import('../../platform/audit/keys.ts');
  const { developmentKeyPath } = await import('../../evidence/bundle/keys.ts');
  pemPieces(readFileSync(devKeyPath(), 'utf8')).forEach((p, i) => (secrets[`audit checkpoint key piece ${i}`] = p));
  pemPieces(readFileSync(developmentKeyPath(ROOT), 'utf8')).forEach((p, i) => (secrets[`bundle signing key piece ${i}`] = p));
}, 600_000);

afterAll(async () => {
  await db?.drop();
});

describe('no secret value in any output', () => {
  it('the run wrote its outputs', () => {
    const names = files(outDir).map((f) => path.relative(outDir, f));
    for (const f of ['bundle.json', 'bundle.sig.json', 'report.md', 'report.pdf', 'results.json', 'results.sarif', 'junit.xml', 'mapping.json', 'changelog.json']) expect(names).toContain(f);
    expect(Object.keys(secrets).length).toBeGreaterThan(10);
  });

  it('no output carries the shape of a secret: API keys, virtual keys, bcrypt hashes, ciphertexts, demo passphrases and tokens', () => {
    const SHAPES = [
      /hck_(read|manage|admin)_[0-9a-f]{16,}/,
      /hcv_[0-9a-f]{16,}/,
      /\$2[aby]\$\d\d\$[./A-Za-z0-9]{20,}/,
      /tev\d:\d+:[A-Za-z0-9+/=]{16,}/,
      /demo [A-Za-z0-9_-]{12} passphrase/,
      /demo-(access|refresh)-[0-9a-f]{8}/,
    ];
    const hits: string[] = [];
    for (const file of files(outDir)) {
      const text = readFileSync(file).toString('latin1');
      for (const re of SHAPES) if (re.test(text)) hits.push(`${path.relative(outDir, file)}: ${re} (${re.exec(text)![0].slice(0, 12)}...)`);
    }
    expect(hits).toEqual([]);
  });

  it('no output contains a secret, as bytes or as extracted PDF text', () => {
    const hits: string[] = [];
    for (const file of files(outDir)) {
      const texts = [readFileSync(file).toString('latin1')];
      if (file.endsWith('.pdf')) texts.push(execFileSync('/usr/bin/pdftotext', [file, '-'], { maxBuffer: 1 << 28 }).toString());
      for (const [name, value] of Object.entries(secrets)) {
        if (texts.some((t) => t.includes(value))) hits.push(`${path.relative(outDir, file)} contains the ${name}`);
      }
    }
    expect(hits).toEqual([]);
  });

  it('the scan itself can see a secret: the bundle would be caught if a fact carried one', () => {
    const bundle = readFileSync(path.join(outDir, 'bundle.json'), 'utf8');
    const poisoned = bundle.replace('"facts":', `"leak":"${secrets.accessToken}","facts":`);
    expect(Object.values(secrets).some((v) => poisoned.includes(v))).toBe(true);
  });
});
