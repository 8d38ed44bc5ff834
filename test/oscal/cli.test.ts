/**
 * `trust oscal` on a bundle and a real Ed25519-signed DSSE envelope in a temp dir:
 * it writes valid documents that cite the bundle's actual SHA-256 and signing time,
 * and refuses an envelope that names other bytes.
 */
import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../evidence/cli/main.ts';
import { modelOf, validateOscal } from './validate.ts';

const SIGNED_AT = '2026-05-02T09:15:00.000Z';
let dir: string;
let bundleBytes: Buffer;

function envelopeFor(digest: string, signedAt = SIGNED_AT) {
  const statement = {
    _type: 'https://in-toto.io/Statement/v1',
    subject: [{ name: 'bundle.json', digest: { sha256: digest } }],
    predicateType: 'urn:trust-evidence:signature:v1',
    predicate: { signedAt, catalogVersion: '1.3.0', developmentKey: true },
  };
  const payload = Buffer.from(JSON.stringify(statement));
  const type = 'application/vnd.in-toto+json';
  const { privateKey } = generateKeyPairSync('ed25519');
  const pae = Buffer.concat([Buffer.from(`DSSEv1 ${type.length} ${type} ${payload.length} `), payload]);
  return { payload: payload.toString('base64'), payloadType: type, signatures: [{ keyid: 'test', sig: sign(null, pae, privateKey).toString('base64') }] };
}

async function trust(...argv: string[]) {
  const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  const stdout = vi.spyOn(console, 'log').mockImplementation(() => undefined);
  try {
    const code = await main('oscal', argv);
    return { code, stderr: stderr.mock.calls.map((c) => String(c[0])).join(''), stdout: stdout.mock.calls.map((c) => c.join(' ')).join('\n') };
  } finally {
    stderr.mockRestore();
    stdout.mockRestore();
  }
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'oscal-cli-'));
  bundleBytes = await readFile(new URL('../fixtures/oscal/bundle.json', import.meta.url));
  await writeFile(join(dir, 'bundle.json'), bundleBytes);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('trust oscal', () => {
  it('writes valid documents citing the bundle hash and signing time from the envelope', async () => {
    const sha = createHash('sha256').update(bundleBytes).digest('hex');
    await writeFile(join(dir, 'bundle.sig.json'), JSON.stringify(envelopeFor(sha)));
    const out = join(dir, 'oscal');
    const r = await trust('--bundle', join(dir, 'bundle.json'), '--out', out);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).toContain(join(out, 'assessment-results.json'));

    const names = (await readdir(out)).sort();
    expect(names).toEqual(['assessment-plan.json', 'assessment-results.json', 'component-definition.json', 'mapping-gdpr.json', 'mapping-iso27001.json', 'mapping-soc2.json']);
    for (const name of names) {
      const doc = JSON.parse(await readFile(join(out, name), 'utf8'));
      expect(validateOscal(modelOf(doc), doc)).toEqual([]);
    }
    const ar = JSON.parse(await readFile(join(out, 'assessment-results.json'), 'utf8'))['assessment-results'];
    expect(ar.metadata.props.find((p: { name: string }) => p.name === 'bundle-sha256').value).toBe(sha);
    expect(ar.results[0].start).toBe(SIGNED_AT);
    // Links resolve from the output directory back to the bundle it was given.
    expect(ar.results[0].observations[0]['relevant-evidence'][0].href).toMatch(/^\.\.\/bundle\.json#\/parts\//);
  });

  it('refuses an envelope that names other bytes, with a one-line cause and exit code 2', async () => {
    await writeFile(join(dir, 'bundle.sig.json'), JSON.stringify(envelopeFor('0'.repeat(64))));
    const r = await trust('--bundle', join(dir, 'bundle.json'), '--out', join(dir, 'refused'));
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toMatch(/bundle\.sig\.json payload \/subject\/0\/digest\/sha256: names 0{64} but .*bundle\.json has SHA-256 [0-9a-f]{64}; the envelope is not this bundle's$/);
    await expect(readdir(join(dir, 'refused'))).rejects.toThrow(/ENOENT/);
  });

  it('names the file and field of a malformed bundle', async () => {
    const broken = JSON.parse(bundleBytes.toString('utf8'));
    delete broken.catalog.version;
    await writeFile(join(dir, 'broken.json'), JSON.stringify(broken));
    const r = await trust('--bundle', join(dir, 'broken.json'), '--envelope', join(dir, 'bundle.sig.json'), '--out', join(dir, 'x'));
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toMatch(/broken\.json \/catalog\/version: /);
  });

  it('says what to run when there is no bundle', async () => {
    const r = await trust('--bundle', join(dir, 'nowhere', 'bundle.json'));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/nowhere\/bundle\.json: cannot read \(ENOENT\); run `npx trust check` first/);
  });
});
