import { readFileSync } from 'node:fs';
import path from 'node:path';
import { InputError } from '../../../platform/kernel/errors.ts';
import { parseCommand } from '../args.ts';
import { verifyBundleBytes } from '../../bundle/verify.ts';

const spec = {
  name: 'verify',
  usage: 'verify BUNDLE [--key PEM] [--json]',
  description: [
    'Verifies a signed evidence bundle offline: BUNDLE (bundle.json) with the DSSE envelope beside it',
    '(bundle.sig.json) and the public key beside it (bundle.pub.pem) or given with --key.',
    'Checks the envelope is byte-for-byte canonical, the key id, the Ed25519 signature, that the signed',
    'SHA-256 is the bundle\'s, the bundle schema, and every evidence part\'s SHA-256.',
    'Prints one line per failure. Exit 0 verified, 1 verification failed, 2 unreadable input.',
  ].join('\n'),
  options: {
    key: { type: 'string' as const, description: 'Public key PEM to verify with (default: bundle.pub.pem beside the bundle)' },
    json: { type: 'boolean' as const, description: 'Print the result as JSON' },
  },
  examples: ['npx trust verify out/bundle.json', 'npx trust verify evidence/bundle.json --key harbor-signing.pub.pem --json'],
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
  const v = args.values as { key?: string; json?: boolean };
  const base = bundlePath.replace(/\.json$/, '');
  const sigPath = `${base}.sig.json`;
  const keyPath = v.key ?? `${base}.pub.pem`;
  const bundle = read(bundlePath, 'bundle');
  const envelope = read(sigPath, 'signature envelope');
  const key = read(keyPath, v.key ? 'public key' : 'public key (pass --key PEM if it is elsewhere)').toString('utf8');
  const r = verifyBundleBytes(bundle, envelope, key);
  if (v.json) {
    process.stdout.write(JSON.stringify({
      ok: r.ok, failures: r.failures, notes: r.notes, bundleSha256: r.bundleSha256, keyid: r.keyid ?? null,
      signedAt: r.statement?.predicate.signedAt ?? null, catalogVersion: r.bundle?.catalog.version ?? null,
    }, null, 2) + '\n');
  } else if (r.ok) {
    process.stdout.write(
      `verified: ${path.basename(bundlePath)} sha256 ${r.bundleSha256}\n` +
        `  signed ${r.statement?.predicate.signedAt} by key ${r.keyid} (${path.relative(process.cwd(), keyPath) || keyPath})\n` +
        `  catalog ${r.bundle?.catalog.version}, ${r.bundle?.summary.controls} controls, ${Object.keys(r.bundle?.parts ?? {}).length} evidence parts, every part hash matches\n` +
        r.notes.map((n) => `  note: ${n}\n`).join(''),
    );
  } else {
    process.stdout.write(r.failures.map((f) => `${f}\n`).join('') + `verification FAILED (${r.failures.length} problem${r.failures.length === 1 ? '' : 's'}) for ${bundlePath}\n`);
  }
  return r.ok ? 0 : 1;
}
