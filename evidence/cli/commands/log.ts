/**
 * `trust log verify [DIR]` and `trust log prove`: check the whole transparency log, and
 * print inclusion and consistency proofs (RFC 9162) for auditors and the history.
 */
import { InputError } from '../../../platform/kernel/errors.ts';
import { parseCommand } from '../args.ts';
import { REPO_ROOT } from '../../pipeline.ts';

const spec = {
  name: 'log',
  usage: 'log <verify [DIR] | prove (--leaf N | --from SIZE) [--size SIZE]> [--vkey KEY] [--json]',
  description: [
    'The transparency log (C2SP tlog-tiles directory: checkpoint, tile/..., tile/entries/...) outside the database,',
    "holding every witnessed audit-chain head and every gate run's bundle digest. DIR defaults to TRUST_LOG_DIR,",
    'else .data/tlog.',
    '',
    "verify: recompute every leaf hash, every tile and the root from the entry bundles, and check the checkpoint's",
    '  signed-note signature with the pinned key (--vkey, TRUST_LOG_VKEY, else the configured signing key).',
    '  Exit 0 intact, 1 damaged (the first problem is the first line), 2 bad input.',
    'prove --leaf N: the inclusion proof of entry N in the signed tree (or in the tree of --size SIZE).',
    'prove --from SIZE: the consistency proof from the tree of SIZE to the signed tree: hold an old checkpoint,',
    '  and this proves the log only grew. Proofs print as base64 hashes, one a line, or as JSON.',
  ].join('\n'),
  options: {
    leaf: { type: 'string' as const, description: 'prove: the entry index to prove included' },
    from: { type: 'string' as const, description: 'prove: the older tree size to prove consistent' },
    size: { type: 'string' as const, description: "prove: the tree size to prove against (default: the checkpoint's)" },
    dir: { type: 'string' as const, description: 'the log directory (prove; verify takes it as DIR too)' },
    vkey: { type: 'string' as const, description: 'signed-note verifier key <name>+<id>+<key> to pin' },
    json: { type: 'boolean' as const, description: 'print JSON' },
  },
  examples: [
    'npx trust log verify',
    'npx trust log verify ./mirror/tlog --vkey "harborcloud.example/trust-evidence/log+1a2b3c4d+AU..."',
    'npx trust log prove --leaf 41',
    'npx trust log prove --from 1000 --json',
  ],
  allowPositionals: true,
};

function num(name: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(Number(raw))) throw new InputError(`--${name} ${JSON.stringify(raw)}: expected a whole number`);
  return Number(raw);
}

export async function run(argv: string[]): Promise<number> {
  const args = parseCommand(spec, argv);
  if (!args) return 0;
  const v = args.values as { leaf?: string; from?: string; size?: string; dir?: string; vkey?: string; json?: boolean };
  const [sub, ...rest] = args.positionals;
  const { logDir, logVerifiers } = await import('../../tlog/config.ts');
  const log = await import('../../tlog/log.ts');
  const path = await import('node:path');
  if (sub === 'verify') {
    if (rest.length > 1) throw new InputError(`verify takes one directory, got ${rest.length}`);
    const dir = path.resolve(rest[0] ?? v.dir ?? logDir(REPO_ROOT));
    const verifiers = logVerifiers(REPO_ROOT, v.vkey ?? process.env.TRUST_LOG_VKEY);
    const { decodeLeaf } = await import('../../tlog/leaves.ts');
    const started = performance.now();
    const r = log.verifyLog(dir, verifiers, {
      checkEntry: (e) => {
        try {
          decodeLeaf(e);
          return null;
        } catch (err) {
          return (err as Error).message;
        }
      },
    });
    const ms = performance.now() - started;
    if (v.json) console.log(JSON.stringify({ ...r, dir, ms: Math.round(ms) }));
    else console.log(r.ok ? `log intact: ${r.size} entries, root ${r.root}, checkpoint signed by ${verifiers.map((k) => k.name).join(', ')} (${Math.round(ms)} ms)` : `log DAMAGED: ${r.reason}`);
    return r.ok ? 0 : 1;
  }
  if (sub !== 'prove' || rest.length) throw new InputError(`expected "verify [DIR]" or "prove", got ${sub ? `"${[sub, ...rest].join(' ')}"` : 'nothing'} (see trust log --help)`);
  const leaf = num('leaf', v.leaf);
  const from = num('from', v.from);
  if ((leaf === undefined) === (from === undefined)) throw new InputError('prove needs exactly one of --leaf N or --from SIZE');
  const dir = path.resolve(v.dir ?? logDir(REPO_ROOT));
  let cp;
  try {
    cp = log.readCheckpoint(dir, logVerifiers(REPO_ROOT, v.vkey ?? process.env.TRUST_LOG_VKEY));
  } catch (e) {
    throw new InputError((e as Error).message);
  }
  if (!cp) throw new InputError(`${dir}: no checkpoint, the log is empty`);
  const size = num('size', v.size) ?? cp.size;
  if (size > cp.size) throw new InputError(`--size ${size} is beyond the signed tree (size ${cp.size})`);
  const { TileSource } = await import('../../tlog/tiles.ts');
  const { rootHash } = await import('../../tlog/proof.ts');
  const { leafHash } = await import('../../tlog/hash.ts');
  const src = new TileSource(dir, size);
  const b64 = (b: Buffer) => b.toString('base64');
  if (leaf !== undefined) {
    if (leaf >= size) throw new InputError(`--leaf ${leaf} is not in a tree of ${size} entries`);
    const entry = src.entry(leaf);
    const proof = log.proveInclusion(dir, leaf, size);
    const out = { index: leaf, treeSize: size, leafHash: b64(leafHash(entry)), root: b64(size === cp.size ? cp.root : rootHash(src, size)), entry: entry.toString('utf8'), proof: proof.map(b64) };
    console.log(
      v.json
        ? JSON.stringify(out, null, 2)
        : [`inclusion of entry ${leaf} in the tree of size ${size}`, `entry ${out.entry}`, `leaf hash ${out.leafHash}`, `root ${out.root}`, ...out.proof].join('\n'),
    );
    return 0;
  }
  if (from! === 0 || from! > size) throw new InputError(`--from ${from} must be between 1 and ${size}`);
  const proof = log.proveConsistency(dir, from!, size);
  const out = { size1: from!, size2: size, root1: b64(rootHash(src, from!)), root2: b64(size === cp.size ? cp.root : rootHash(src, size)), proof: proof.map(b64) };
  console.log(v.json ? JSON.stringify(out, null, 2) : [`consistency of the tree of size ${from} with the tree of size ${size}`, `root1 ${out.root1}`, `root2 ${out.root2}`, ...out.proof].join('\n'));
  return 0;
}
