/**
 * trust oscal: writes the OSCAL 1.2.1 exports of an existing signed bundle.
 * It reads bundle.json and its DSSE envelope, takes the signing time and the bundle's
 * SHA-256 from the envelope's in-toto Statement, and refuses a bundle whose bytes do
 * not match that SHA-256 (the exports would otherwise cite the wrong evidence).
 * Signature verification is `trust verify`'s job; this command only reads.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { z } from 'zod';
import { InputError } from '../../../platform/kernel/errors.ts';
import { BundleSchema, EnvelopeSchema, StatementSchema } from '../../contract.ts';
import { parseCommand } from '../args.ts';
import { OutputSet, publishedSetOf, resolveInSet } from '../../output/atomic-set.ts';

const spec = {
  name: 'oscal',
  usage: 'oscal [--bundle out/bundle.json] [--envelope FILE] [--out out/oscal]',
  description: 'Write OSCAL 1.2.1 assessment-results, component-definition and per-framework mapping documents from a signed evidence bundle and its envelope (bundle.sig.json beside it).',
  options: {
    bundle: { type: 'string' as const, default: 'out/bundle.json', description: 'Evidence bundle (its envelope is read from bundle.sig.json in the same directory)' },
    envelope: { type: 'string' as const, description: 'DSSE envelope, when not beside the bundle as bundle.sig.json' },
    out: { type: 'string' as const, default: 'out/oscal', description: 'Directory for the OSCAL documents' },
  },
  examples: ['npx trust oscal', 'npx trust oscal --bundle downloads/bundle.json --out downloads/oscal'],
};

export async function run(argv: string[]): Promise<number> {
  const parsed = parseCommand(spec, argv);
  if (!parsed) return 0;
  const values = parsed.values as { bundle?: string; envelope?: string; out?: string };
  const bundlePath = values.bundle ?? 'out/bundle.json';
  const envelopePath = values.envelope ?? join(dirname(bundlePath), 'bundle.sig.json');
  const outDir = values.out ?? 'out/oscal';
  // The bundle and its envelope come from one run's set, resolved once (evidence/output/atomic-set.ts).
  const inSet = resolveInSet(bundlePath);

  const bundleBytes = await readInput(inSet);
  const bundle = parseJson(bundlePath, bundleBytes, BundleSchema);
  const envelope = parseJson(envelopePath, await readInput(values.envelope ?? join(dirname(inSet), 'bundle.sig.json')), EnvelopeSchema);
  const statementText = Buffer.from(envelope.payload, 'base64');
  const statement = parseJson(`${envelopePath} payload`, statementText, StatementSchema);

  const claimed = statement.subject[0].digest.sha256;
  const actual = createHash('sha256').update(bundleBytes).digest('hex');
  if (claimed !== actual) {
    throw new InputError(`${envelopePath} payload /subject/0/digest/sha256: names ${claimed} but ${bundlePath} has SHA-256 ${actual}; the envelope is not this bundle's`);
  }

  const { writeOscal } = await import('../../oscal/index.ts');
  const facts = { signedAt: statement.predicate.signedAt, bundleSha256: actual };
  const hrefs = { bundleHref: href(outDir, bundlePath), envelopeHref: href(outDir, envelopePath) };
  // out/oscal of a published set is a link into that set, which is never written in place:
  // the documents become a new set, with the rest of the current one carried over.
  const published = publishedSetOf(outDir);
  if (!published) {
    for (const f of await writeOscal(outDir, bundle, facts, hrefs)) console.log(`wrote ${f}`);
    return 0;
  }
  const set = new OutputSet(published.outDir, { partial: true, basedOn: dirname(inSet) });
  try {
    const files = await writeOscal(join(set.staging, published.entry), bundle, facts, hrefs);
    set.adopt(published.entry);
    set.commit();
    for (const f of files) console.log(`wrote ${join(outDir, relative(join(set.staging, published.entry), f))}`);
  } catch (e) {
    set.discard();
    throw e;
  }
  return 0;
}

async function readInput(path: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new InputError(`${path}: cannot read (${code ?? (e as Error).message})${code === 'ENOENT' ? '; run `npx trust check` first to produce a signed bundle' : ''}`);
  }
}

/** Parses JSON and checks its shape; errors name the file, and the JSON pointer and field when the shape is wrong. */
function parseJson<T extends z.ZodTypeAny>(path: string, bytes: Buffer, schema: T): z.output<T> {
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch (e) {
    throw new InputError(`${path}: not valid JSON (${(e as Error).message})`);
  }
  const result = schema.safeParse(value);
  if (!result.success) {
    const issues = result.error.issues.map((i) => `${path} /${i.path.join('/')}: ${i.message}`);
    throw new InputError(issues[0], { details: issues.slice(1, 10) });
  }
  return result.data;
}

/** A file as referenced from the OSCAL directory, with forward slashes as URIs need. */
function href(fromDir: string, file: string): string {
  return relative(fromDir, file).split(sep).join('/');
}
