/**
 * OSCAL 1.2.1 exports of an evidence run: assessment-plan, assessment-results,
 * component-definition and one mapping-collection per framework, written atomically to
 * one directory.
 *
 * The evidence engine calls `writeOscal` after signing (trust check, npm start);
 * `trust oscal` calls it on an existing bundle. The builders are pure: same bundle,
 * same envelope facts, same documents.
 */
import { mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InputError } from '../../platform/kernel/errors.ts';
import type { Bundle } from '../types.ts';
import { buildAssessmentPlan } from './assessment-plan.ts';
import { buildAssessmentResults } from './assessment-results.ts';
import type { OscalContext } from './common.ts';
import { buildComponentDefinition } from './component-definition.ts';
import { buildMappings } from './mapping.ts';

export { buildAssessmentPlan } from './assessment-plan.ts';
export { buildAssessmentResults } from './assessment-results.ts';
export { buildComponentDefinition } from './component-definition.ts';
export { buildMappings, RELATIONSHIPS } from './mapping.ts';
export { OSCAL_VERSION, type OscalContext } from './common.ts';

export interface OscalEnvelopeFacts {
  /** Signing time from the in-toto Statement (predicate.signedAt). */
  signedAt: string;
  /** subject[0].digest.sha256 of the Statement: SHA-256 of bundle.json's bytes. */
  bundleSha256: string;
}

/** The DSSE envelope itself (bundle.sig.json), as the evidence pipeline holds it after signing. */
export interface DsseEnvelopeLike {
  payload: string;
  payloadType?: string;
  signatures?: unknown[];
}

export interface OscalOptions {
  /** bundle.json as seen from outDir; default `../bundle.json` (out/oscal next to out/bundle.json). */
  bundleHref?: string;
  /** bundle.sig.json as seen from outDir; default `../bundle.sig.json`. */
  envelopeHref?: string;
}

/**
 * The two facts we need from the signature: either given directly, or read from the
 * DSSE envelope's in-toto Statement (predicate.signedAt, subject[0].digest.sha256).
 */
export function envelopeFacts(envelope: OscalEnvelopeFacts | DsseEnvelopeLike): OscalEnvelopeFacts {
  if (!('payload' in envelope)) return envelope;
  let statement: { subject?: { digest?: { sha256?: unknown } }[]; predicate?: { signedAt?: unknown } };
  try {
    statement = JSON.parse(Buffer.from(envelope.payload, 'base64').toString('utf8'));
  } catch {
    throw new InputError('bundle.sig.json /payload: not base64 of a JSON in-toto Statement');
  }
  const bundleSha256 = statement.subject?.[0]?.digest?.sha256;
  const signedAt = statement.predicate?.signedAt;
  if (typeof bundleSha256 !== 'string') throw new InputError('bundle.sig.json /payload: the Statement has no subject[0].digest.sha256');
  if (typeof signedAt !== 'string') throw new InputError('bundle.sig.json /payload: the Statement has no predicate.signedAt');
  return { signedAt, bundleSha256 };
}

export function oscalContext(bundle: Bundle, given: OscalEnvelopeFacts | DsseEnvelopeLike, options: OscalOptions = {}): OscalContext {
  const envelope = envelopeFacts(given);
  if (!/^[0-9a-f]{64}$/.test(envelope.bundleSha256)) {
    throw new InputError(`bundle.sig.json subject[0].digest.sha256: "${envelope.bundleSha256}" is not a lowercase hex SHA-256`);
  }
  const signedAt = normaliseTime(envelope.signedAt);
  return {
    bundle,
    signedAt,
    bundleSha256: envelope.bundleSha256,
    bundleHref: options.bundleHref ?? '../bundle.json',
    envelopeHref: options.envelopeHref ?? '../bundle.sig.json',
  };
}

/** The documents by file name, in write order. */
export function buildOscalDocuments(ctx: OscalContext): Record<string, unknown> {
  const docs: Record<string, unknown> = {
    // The plan first: the results import it (import-ap -> assessment-plan.json).
    'assessment-plan.json': buildAssessmentPlan(ctx),
    'assessment-results.json': buildAssessmentResults(ctx),
    'component-definition.json': buildComponentDefinition(ctx),
  };
  for (const [framework, doc] of Object.entries(buildMappings(ctx))) docs[`mapping-${fileSafe(framework)}.json`] = doc;
  return docs;
}

/**
 * Writes every OSCAL document to outDir and returns their paths. Each file is written
 * to a temporary name and renamed, so a reader never sees half a document; mapping
 * files of frameworks no longer in the catalog are removed.
 */
export async function writeOscal(outDir: string, bundle: Bundle, envelope: OscalEnvelopeFacts | DsseEnvelopeLike, options: OscalOptions = {}): Promise<string[]> {
  // Build everything before touching the disk: a bad bundle leaves the previous exports as they were.
  const docs = buildOscalDocuments(oscalContext(bundle, envelope, options));
  await mkdir(outDir, { recursive: true });
  const written: string[] = [];
  for (const [name, doc] of Object.entries(docs)) {
    const file = join(outDir, name);
    await writeAtomically(file, JSON.stringify(doc, null, 2) + '\n');
    written.push(file);
  }
  for (const name of await readdir(outDir)) {
    if (/^mapping-.*\.json$/.test(name) && !(name in docs)) await rm(join(outDir, name), { force: true });
  }
  return written;
}

async function writeAtomically(file: string, text: string): Promise<void> {
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  try {
    await writeFile(tmp, text, 'utf8');
    await rename(tmp, file);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}

/** OSCAL date-times need a timezone; we write UTC in ISO 8601 so equal instants print equally. */
function normaliseTime(value: string): string {
  const t = Date.parse(value);
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(value) || Number.isNaN(t)) {
    throw new InputError(`bundle.sig.json predicate.signedAt: "${value}" is not an ISO 8601 date-time with a timezone`);
  }
  return new Date(t).toISOString();
}

function fileSafe(id: string): string {
  return id.replace(/[^a-z0-9_-]/gi, '_');
}
