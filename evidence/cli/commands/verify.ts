import { readFileSync } from 'node:fs';
import path from 'node:path';
import { InputError } from '../../../platform/kernel/errors.ts';
import { parseCommand } from '../args.ts';
import { verifyBundleBytes } from '../../bundle/verify.ts';
import { keyFingerprint, localSigningKeySha256 } from '../../bundle/keys.ts';
import { REPO_ROOT } from '../../pipeline.ts';
import { resolveInSet } from '../../output/atomic-set.ts';
import { createPublicKey } from 'node:crypto';

const spec = {
  name: 'verify',
  usage: 'verify BUNDLE (--key PEM | --fingerprint SHA256) [--json]',
  description: [
    'Verifies a signed evidence bundle offline: BUNDLE (bundle.json) with the DSSE envelope beside it',
    '(bundle.sig.json) and the public key beside it (bundle.pub.pem) or given with --key.',
    'Checks the envelope is byte-for-byte canonical, the key id, the Ed25519 signature, that the signed',
    "SHA-256 is the bundle's, the bundle schema, and every evidence part's SHA-256.",
    '',
    'The signer must be pinned: --key with a public key obtained separately, or --fingerprint (or',
    'TRUST_VERIFY_FINGERPRINT) with the key SHA-256 the site, security.txt and the report publish.',
    'On the machine that signs, its own configured signing key (TRUST_SIGNING_KEY[_FILE] or the',
    'development key under .data/keys) is the pin when none is given.',
    'The bundle.pub.pem beside a bundle authenticates nothing (whoever edits the bundle can replace',
    'it), so without a pin the command never exits 0.',
    '',
    'Prints one line per failure. Exit 0 verified, 1 verification failed or signer not pinned, 2 unreadable input.',
  ].join('\n'),
  options: {
    key: { type: 'string' as const, description: 'Public key PEM obtained separately (pins the signer)' },
    fingerprint: { type: 'string' as const, description: "SHA-256 (hex) of the signer's public key, DER SPKI (pins the signer; default TRUST_VERIFY_FINGERPRINT)" },
    json: { type: 'boolean' as const, description: 'Print the result as JSON' },
  },
  examples: ['npx trust verify out/bundle.json --fingerprint 3f1c…(64 hex digits, from the site or security.txt)', 'npx trust verify evidence/bundle.json --key keys/evidence-signing.pub.pem --json'],
  allowPositionals: true,
};

function read(file: string, what: string): Buffer {
  try {
    return readFileSync(file);
  } catch (e) {
    throw new InputError(`${file}: cannot read the ${what} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}

export async function run(argv: string[]): Promise<number> {
  const args = parseCommand(spec, argv);
  if (!args) return 0;
  const [bundlePath, ...extra] = args.positionals;
  if (!bundlePath || extra.length) throw new InputError('trust verify: expected exactly one BUNDLE path (see trust verify --help)');
  const v = args.values as { key?: string; fingerprint?: string; json?: boolean };
  const pinnedFingerprint = (v.fingerprint ?? process.env.TRUST_VERIFY_FINGERPRINT)?.trim().toLowerCase();
  if (pinnedFingerprint !== undefined && !/^[0-9a-f]{64}$/.test(pinnedFingerprint.replace(/:/g, ''))) {
    throw new InputError(`${v.fingerprint ? '--fingerprint' : 'TRUST_VERIFY_FINGERPRINT'}: expected the 64 hex digits of a SHA-256`);
  }
  // Siblings are read from the run's set the bundle resolves to now, so a run publishing
  // meanwhile cannot pair this bundle with its signature (evidence/output/atomic-set.ts).
  const inSet = resolveInSet(bundlePath);
  const base = inSet.replace(/\.json$/, '');
  const sigPath = `${base}.sig.json`;
  const keyPath = v.key ?? `${base}.pub.pem`;
  const shownKeyPath = v.key ?? `${bundlePath.replace(/\.json$/, '')}.pub.pem`;
  const bundle = read(inSet, 'bundle');
  const envelope = read(sigPath, 'signature envelope');
  const key = read(keyPath, v.key ? 'public key' : 'public key (pass --key PEM if it is elsewhere)').toString('utf8');
  const r = verifyBundleBytes(bundle, envelope, key);
  // Authenticate the signer: the key is pinned when given separately, or when its SHA-256
  // equals a fingerprint published out of band.
  let keySha256 = 'unknown (unreadable key)';
  try {
    keySha256 = keyFingerprint(createPublicKey(key));
  } catch {
    // verifyBundleBytes has already reported the unreadable key.
  }
  // On the machine that signs, its own configured key is a pin obtained separately.
  const local = pinnedFingerprint === undefined && !v.key ? localSigningKeySha256(REPO_ROOT) : undefined;
  const pin = pinnedFingerprint?.replace(/:/g, '') ?? local?.sha256;
  if (pin !== undefined && pin !== keySha256) {
    r.ok = false;
    r.failures.push(`signer: the key's SHA-256 ${keySha256} is not the pinned fingerprint ${pin}${local ? ` (this installation's signing key, ${local.source})` : ''}`);
  } else if (pin === undefined && !v.key) {
    r.ok = false;
    r.failures.push(
      `signer not authenticated: ${path.basename(keyPath)} lies beside the bundle, so whoever could edit the bundle could replace it; pass --fingerprint (the key SHA-256 the site and security.txt publish; this one is ${keySha256}) or --key with a key obtained separately`,
    );
  }
  if (v.json) {
    process.stdout.write(
      JSON.stringify(
        {
          ok: r.ok,
          failures: r.failures,
          notes: r.notes,
          bundleSha256: r.bundleSha256,
          keyid: r.keyid ?? null,
          signedAt: r.statement?.predicate.signedAt ?? null,
          catalogVersion: r.bundle?.catalog.version ?? null,
        },
        null,
        2,
      ) + '\n',
    );
  } else if (r.ok) {
    process.stdout.write(
      `verified: ${path.basename(bundlePath)} sha256 ${r.bundleSha256}\n` +
        `  signed ${r.statement?.predicate.signedAt} by key ${r.keyid} (${path.relative(process.cwd(), shownKeyPath) || shownKeyPath})\n` +
        `  catalog ${r.bundle?.catalog.version}, ${r.bundle?.summary.controls} controls, ${Object.keys(r.bundle?.parts ?? {}).length} evidence parts, every part hash matches\n` +
        r.notes.map((n) => `  note: ${n}\n`).join(''),
    );
  } else {
    process.stdout.write(r.failures.map((f) => `${f}\n`).join('') + `verification FAILED (${r.failures.length} problem${r.failures.length === 1 ? '' : 's'}) for ${bundlePath}\n`);
  }
  return r.ok ? 0 : 1;
}
