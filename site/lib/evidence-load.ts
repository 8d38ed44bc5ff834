/**
 * Reading the evidence directory for the site (site/lib/evidence.ts is the pages' door):
 * bundle.json and its siblings, validated with the engine's own zod schemas; the signed
 * envelope, the public key, the changelog, trust.json checked against what the bundle
 * gives, the transparency log, the downloads; and the policies kept in the repository.
 * Every refusal is one line naming the file and the field.
 */
import { createHash, createPublicKey } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import {
  BundleSchema,
  EnvelopeSchema,
  StatementSchema,
  buildTrustJson,
  frameworkShort,
  liveControlsNotObservedLive,
  publishedLog,
  resolveInSet,
  serializeTrustJson,
  siteLogDir,
  type Bundle,
  type ControlView,
  type LogSnapshot,
  type TrustClaim,
  type TrustJson,
} from '../../evidence/contract.ts';

const ChangeSchema = z.object({ kind: z.string(), control: z.string().optional(), from: z.unknown().optional(), to: z.unknown().optional() }).passthrough();
const ChangelogSchema = z.object({
  versions: z.array(z.object({ version: z.string(), catalogSha256: z.string().optional(), date: z.string().optional(), changes: z.array(ChangeSchema) }).passthrough()),
});
export type Changelog = z.output<typeof ChangelogSchema>;
export type Change = z.output<typeof ChangeSchema>;

export interface Download {
  /** Path under /downloads/, e.g. `oscal/assessment-results.json`. */
  name: string;
  /** Absolute source path in the evidence directory. */
  source: string;
  bytes: number;
  sha256: string;
  description: string;
  /** The bytes served, when they are not the source file's as is (verify.mjs with the key pinned). */
  data?: Buffer;
}

export interface Evidence {
  bundlePath: string;
  dir: string;
  bundle: Bundle;
  /** SHA-256 of the bundle.json bytes (what the signature's statement names). */
  bundleSha256: string;
  /** Signing time from the envelope's statement: when the evidence was last verified. */
  verifiedAt: Date;
  signatureSubjectMatches: boolean;
  /** SHA-256 of the DER (SPKI) public key in bundle.pub.pem; the envelope's keyid is its first 16 hex digits. */
  publicKeySha256: string | null;
  /** keyid of the envelope's first signature. */
  keyid: string | null;
  changelog: Changelog | null;
  /** trust.json as published: the gate's signed copy when the evidence directory has one
   *  (checked byte for byte against what the bundle gives), else derived here, unsigned. */
  trust: TrustJson;
  trustBytes: Buffer;
  trustById: Map<string, TrustClaim>;
  /** trust.sig.json from the evidence directory, or null (the site then says trust.json is unsigned). */
  trustSignature: Buffer | null;
  /** The transparency log the site publishes (latest signed checkpoint and the tiles it covers),
   *  read from the log directory and checked to extend the checkpoint the run's receipt (log/
   *  beside the bundle) holds; null when the run was not recorded in a log. */
  log: LogSnapshot | null;
  downloads: Download[];
  controls: ControlView[];
  byId: Map<string, ControlView>;
}

const DESCRIPTIONS: Record<string, string> = {
  'report.pdf': 'Trust report for auditors: every control, its checks and findings.',
  'bundle.json': 'Evidence bundle: catalog, collected facts with their hashes, evaluations.',
  'bundle.sig.json': 'DSSE envelope: Ed25519 signature over an in-toto statement naming bundle.json by SHA-256.',
  'bundle.pub.pem': 'Public key (Ed25519, PEM) that verifies the envelope.',
  'mapping.json': 'Versioned framework mapping: SOC 2 and ISO 27001 criteria to controls.',
  'changelog.json': 'What changed between catalog and mapping versions.',
  'trust.json': 'Every claim with its status, kind of proof, evidence digest, last verified and freshness, for tools (also at /trust.json).',
  'trust.sig.json': 'DSSE envelope: Ed25519 signature, by the same key, over an in-toto statement naming trust.json by SHA-256.',
  'verify.mjs':
    'Verifier for this site: one file, Node 18 or newer, no dependencies. Checks the signatures against the pinned key, the transparency log proofs, and every badge and trust.json entry against the bundle.',
};

/** The repository root: pages run from a bundled copy in .astro/, so paths are resolved from the
 *  root evidence/site/build.ts names (TRUST_SITE_ROOT), else from where `astro build` runs. */
export const repoRoot = () => path.resolve(process.env.TRUST_SITE_ROOT ?? process.cwd());
export const VERIFY_MJS = 'evidence/site/verify.mjs';

/** verify.mjs as served: the repository file with the signing key's fingerprint pinned in it. */
export function verifierWithPin(fingerprint: string | null): Buffer {
  const src = readFileSync(path.join(repoRoot(), VERIFY_MJS), 'utf8');
  const line = 'const PINNED_FINGERPRINT = null;';
  if (!src.includes(line)) throw new Error(`${VERIFY_MJS}: no "${line}" line to pin the key in`);
  return Buffer.from(fingerprint ? src.replace(line, `const PINNED_FINGERPRINT = '${fingerprint}';`) : src, 'utf8');
}

const OSCAL: Record<string, string> = {
  'component-definition': 'OSCAL component definition: how the platform implements each control, for GRC tools.',
  'assessment-results': "OSCAL assessment results: each control's observed status and the findings behind it.",
};
function oscalDescription(base: string): string {
  const fw = base.match(/^mapping-(.+)$/)?.[1];
  if (fw) return `OSCAL control mapping: ${frameworkShort(fw)} criteria to our controls.`;
  return OSCAL[base] ?? `OSCAL ${base.replace(/-/g, ' ')} (JSON).`;
}

function fail(file: string, message: string): never {
  throw new Error(`${file}: ${message}`);
}

function readJson(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    fail(file, `cannot read as JSON (${(e as Error).message.split('\n')[0]})`);
  }
}

function parseWith<T extends z.ZodTypeAny>(schema: T, value: unknown, file: string): z.output<T> {
  const r = schema.safeParse(value);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    fail(file, `/${issue.path.join('/')} ${issue.message}`);
  }
  return r.data;
}

const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

function listDownloads(dir: string, fingerprint: string | null): Download[] {
  const names = ['report.pdf', 'bundle.json', 'bundle.sig.json', 'bundle.pub.pem', 'mapping.json', 'changelog.json', 'trust.json', 'trust.sig.json'].filter((n) => existsSync(path.join(dir, n)));
  const oscalDir = path.join(dir, 'oscal');
  if (existsSync(oscalDir) && statSync(oscalDir).isDirectory()) {
    for (const f of readdirSync(oscalDir)
      .filter((f) => f.endsWith('.json'))
      .sort())
      names.push(`oscal/${f}`);
  }
  return names
    .map((name) => {
      const source = path.join(dir, name);
      const bytes = readFileSync(source);
      return { name, source, bytes: bytes.length, sha256: sha256(bytes), description: DESCRIPTIONS[name] ?? oscalDescription(path.basename(name, '.json')) };
    })
    .concat(
      (() => {
        const data = verifierWithPin(fingerprint);
        return [{ name: 'verify.mjs', source: path.join(repoRoot(), VERIFY_MJS), bytes: data.length, sha256: sha256(data), description: DESCRIPTIONS['verify.mjs']!, data }];
      })(),
    );
}

/** Loads and validates everything once per build. Throws one line naming the file and field. */
export function loadEvidence(bundlePath: string): Evidence {
  // Resolved once: every sibling below comes from the same run's set, even if a run publishes meanwhile.
  const abs = resolveInSet(path.resolve(bundlePath));
  if (!existsSync(abs)) fail(abs, 'no evidence bundle here; run `npx trust check` (or `npm start`) first, or pass --bundle');
  const dir = path.dirname(abs);
  const raw = readFileSync(abs);
  // evidence/site/build.ts validated this very file with the same schema a moment ago:
  // take its result instead of parsing again (a direct `astro build` parses here).
  const handed = (globalThis as Record<symbol, unknown>)[Symbol.for('trust-evidence.site.bundle')] as { path: string; size: number; mtimeMs: number; bundle: Bundle } | undefined;
  const st = statSync(abs);
  const bundle = handed && handed.path === abs && handed.size === st.size && handed.mtimeMs === st.mtimeMs && raw.length === st.size ? handed.bundle : parseWith(BundleSchema, readJson(abs), abs);

  const blocked = liveControlsNotObservedLive(bundle);
  if (blocked.length) throw new Error(`refusing to build the site: ${blocked.map((b) => b.summary).join('; ')}`);

  const sigPath = path.join(dir, 'bundle.sig.json');
  if (!existsSync(sigPath)) fail(sigPath, 'missing: the site shows when evidence was last verified, which the signed envelope records');
  const envelope = parseWith(EnvelopeSchema, readJson(sigPath), sigPath);
  let statementJson: unknown;
  try {
    statementJson = JSON.parse(Buffer.from(envelope.payload, 'base64').toString('utf8'));
  } catch {
    fail(sigPath, '/payload is not base64 JSON');
  }
  const statement = parseWith(StatementSchema, statementJson, `${sigPath} (payload)`);
  const verifiedAt = new Date(statement.predicate.signedAt);
  if (Number.isNaN(verifiedAt.getTime())) fail(sigPath, `/payload/predicate/signedAt "${statement.predicate.signedAt}" is not a date`);
  const bundleSha256 = sha256(raw);
  const signatureSubjectMatches = statement.subject.some((s) => s.digest.sha256 === bundleSha256);
  const pemPath = path.join(dir, 'bundle.pub.pem');
  let publicKeySha256: string | null = null;
  let publicKey: ReturnType<typeof createPublicKey> | null = null;
  if (existsSync(pemPath)) {
    try {
      publicKey = createPublicKey(readFileSync(pemPath));
      publicKeySha256 = sha256(publicKey.export({ type: 'spki', format: 'der' }));
    } catch (e) {
      fail(pemPath, `not a public key (${(e as Error).message.split('\n')[0]})`);
    }
  }

  const changelogPath = path.join(dir, 'changelog.json');
  const changelog = existsSync(changelogPath) ? parseWith(ChangelogSchema, readJson(changelogPath), changelogPath) : null;

  // The badges and trust.json come from the same evaluations; a trust.json that is not what
  // this bundle gives (edited, or from another run) is refused rather than published beside it.
  // From the bundle as written (not as the schema reads it), as the gate derived it.
  const derived = serializeTrustJson(buildTrustJson({ bundle: JSON.parse(raw.toString('utf8')) as Bundle, bundleSha256: sha256(raw), signedAt: verifiedAt, changelog, publicKeySha256 }));
  const trustPath = path.join(dir, 'trust.json');
  const trustSigPath = path.join(dir, 'trust.sig.json');
  let trustSignature: Buffer | null = null;
  if (existsSync(trustPath)) {
    if (!readFileSync(trustPath).equals(derived)) fail(trustPath, 'is not what this bundle, its signing time and changelog give: it belongs to another run or was edited');
    trustSignature = existsSync(trustSigPath) ? readFileSync(trustSigPath) : null;
  }
  const trust = JSON.parse(derived.toString('utf8')) as TrustJson;
  // The log is not in the run's set (it names every earlier run's bundle); it is read once, in
  // memory, from the log directory, so an append during the build cannot tear what is published.
  const log = publishedLog(path.join(dir, 'log'), siteLogDir(repoRoot()), publicKey);

  const evalById = new Map(bundle.evaluations.map((e) => [e.control, e]));
  const fwById = new Map(bundle.catalog.frameworks.map((f) => [f.id, f]));
  const controls: ControlView[] = bundle.catalog.controls
    .map((control) => {
      const evaluation = evalById.get(control.id);
      if (!evaluation) fail(abs, `/evaluations has no entry for control "${control.id}"`);
      const criteria: ControlView['criteria'] = [];
      for (const m of bundle.catalog.mappings) {
        const framework = fwById.get(m.framework);
        if (!framework) continue;
        for (const c of framework.criteria) {
          const hit = (m.criteria[c.id] ?? []).find((x) => x.control === control.id);
          if (hit) criteria.push({ framework, criterion: c, relationship: hit.relationship });
        }
      }
      return { control, evaluation, criteria };
    })
    .sort((a, b) => a.control.id.localeCompare(b.control.id));

  return {
    bundlePath: abs,
    dir,
    bundle,
    bundleSha256,
    verifiedAt,
    signatureSubjectMatches,
    publicKeySha256,
    keyid: envelope.signatures[0]!.keyid ?? null,
    changelog,
    trust,
    trustBytes: derived,
    trustById: new Map(trust.claims.map((c) => [c.id, c])),
    trustSignature,
    log,
    downloads: listDownloads(dir, publicKeySha256),
    controls,
    byId: new Map(controls.map((c) => [c.control.id, c])),
  };
}

/** Policies kept as markdown in the repository (controls/policies/*.md, beside the catalog of
 *  promises they govern), published with their version,
 *  date and the SHA-256 of the file as committed. */
export const POLICIES_DIR = 'controls/policies';

export interface PolicyDocument {
  name: string;
  title: string;
  version: string;
  date: string;
  owner?: string;
  file: string;
  bytes: number;
  sha256: string;
}

export function policies(): PolicyDocument[] {
  const dir = path.join(repoRoot(), POLICIES_DIR);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.md'))
    .sort()
    .map((f) => {
      const file = path.join(dir, f);
      const raw = readFileSync(file);
      const fm = /^---\n([\s\S]*?)\n---\n/.exec(raw.toString('utf8'))?.[1];
      if (!fm) fail(file, 'no front matter (--- title, version, date ---)');
      const meta = Object.fromEntries(
        fm
          .split('\n')
          .map((l) => /^(\w+):\s*(.*)$/.exec(l))
          .filter((m): m is RegExpExecArray => !!m)
          .map((m) => [m[1]!, m[2]!.trim()]),
      );
      for (const k of ['title', 'version', 'date']) if (!meta[k]) fail(file, `front matter has no ${k}`);
      if (!/^\d{4}-\d{2}-\d{2}$/.test(meta.date!)) fail(file, `front matter date "${meta.date}" is not YYYY-MM-DD`);
      return { name: f.replace(/\.md$/, ''), title: meta.title!, version: meta.version!, date: meta.date!, owner: meta.owner, file: `${POLICIES_DIR}/${f}`, bytes: raw.length, sha256: sha256(raw) };
    });
}
