/**
 * The only door between the site and the evidence: reads the outputs of the
 * evidence engine (bundle.json and its siblings in the same directory), validates
 * them with the engine's own zod schemas, and hands typed data to the pages.
 * Nothing here computes a status: badges show `evaluation.observed` as written by
 * the engine.
 */
import { createHash, createPublicKey } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import {
  BundleSchema, EnvelopeSchema, StatementSchema, buildTrustJson, frameworkShort, liveControlsNotObservedLive, publishedLog, resolveInSet, serializeTrustJson, siteLogDir, STATUS_ORDER,
  type Bundle, type ControlView, type Framework, type LogSnapshot, type Mapping, type Status, type TrustClaim, type TrustJson,
} from '../../evidence/contract.ts';

export { frameworkShort, STATUS_ORDER, type ControlView, type Status };


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
  'verify.mjs': 'Verifier for this site: one file, Node 18 or newer, no dependencies. Checks the signatures against the pinned key, the transparency log proofs, and every badge and trust.json entry against the bundle.',
};

/** The verifier offered under Downloads (one dependency-free file in the repository). */
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
  'assessment-results': 'OSCAL assessment results: each control\'s observed status and the findings behind it.',
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
    for (const f of readdirSync(oscalDir).filter((f) => f.endsWith('.json')).sort()) names.push(`oscal/${f}`);
  }
  return names.map((name) => {
    const source = path.join(dir, name);
    const bytes = readFileSync(source);
    return { name, source, bytes: bytes.length, sha256: sha256(bytes), description: DESCRIPTIONS[name] ?? oscalDescription(path.basename(name, '.json')) };
  }).concat((() => {
    const data = verifierWithPin(fingerprint);
    return [{ name: 'verify.mjs', source: path.join(repoRoot(), VERIFY_MJS), bytes: data.length, sha256: sha256(data), description: DESCRIPTIONS['verify.mjs']!, data }];
  })());
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
  const bundle = handed && handed.path === abs && handed.size === st.size && handed.mtimeMs === st.mtimeMs && raw.length === st.size
    ? handed.bundle
    : parseWith(BundleSchema, readJson(abs), abs);

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
  const controls: ControlView[] = bundle.catalog.controls.map((control) => {
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
  }).sort((a, b) => a.control.id.localeCompare(b.control.id));

  return {
    bundlePath: abs, dir, bundle, bundleSha256, verifiedAt, signatureSubjectMatches, publicKeySha256, keyid: envelope.signatures[0]!.keyid ?? null, changelog,
    trust, trustBytes: derived, trustById: new Map(trust.claims.map((c) => [c.id, c])), trustSignature, log,
    downloads: listDownloads(dir, publicKeySha256), controls, byId: new Map(controls.map((c) => [c.control.id, c])),
  };
}

let cached: { key: string; value: Evidence; handed: unknown } | undefined;
/** The evidence for this build: TRUST_BUNDLE, else out/bundle.json under the working directory.
 *  Cached per bundle path and modification time: one process may build twice (tests). Pages
 *  call this several times each; within a build run by evidence/site/build.ts the bundle it
 *  handed over identifies the build, so no file is looked at again per call. */
export function evidence(): Evidence {
  const handed = (globalThis as Record<symbol, unknown>)[Symbol.for('trust-evidence.site.bundle')];
  if (handed && cached?.handed === handed) return cached.value;
  const file = path.resolve(process.env.TRUST_BUNDLE ?? path.join(process.cwd(), 'out', 'bundle.json'));
  const key = `${file}@${existsSync(file) ? statSync(file).mtimeMs : 0}`;
  if (cached?.key !== key) cached = { key, value: loadEvidence(file), handed };
  else cached.handed = handed;
  return cached.value;
}

export function controlView(id: string): ControlView {
  const v = evidence().byId.get(id);
  if (!v) throw new Error(`site: a page refers to control "${id}", which is not in catalog ${evidence().bundle.catalog.version}. Known: ${[...evidence().byId.keys()].join(', ')}`);
  return v;
}

export const slug = (s: string) => s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');

export function mappingFor(framework: string): Mapping | undefined {
  return evidence().bundle.catalog.mappings.find((m) => m.framework === framework);
}

/** Controls mapped to a framework (any criterion), in id order. */
export function controlsInFramework(framework: string): ControlView[] {
  const m = mappingFor(framework);
  if (!m) return [];
  const ids = new Set(Object.values(m.criteria).flat().map((x) => x.control));
  return evidence().controls.filter((c) => ids.has(c.control.id));
}

export const isoDate = (d: Date) => d.toISOString().slice(0, 10);
export const isoMinute = (d: Date) => d.toISOString().slice(0, 16).replace('T', ' ') + ' UTC';

/** Short framework label for tight spots: `SOC 2`, `ISO 27001`, `GDPR`. */

/**
 * The source of a repository path at the commit the bundle names, when the catalog names
 * a repository (organisation.repository) and the commit is known; otherwise undefined and
 * the path stays plain text. GitHub, GitLab and Gitea all serve `/blob/<commit>/<path>#L<n>`
 * (GitLab also at `/-/blob/`, and redirects the short form).
 */
export function sourceUrl(bundle: Bundle, file: string, line?: number): string | undefined {
  const repo = bundle.catalog.organisation.repository;
  const commit = bundle.platform.gitCommit;
  if (!repo || !/^[0-9a-f]{7,40}$/.test(commit)) return undefined;
  const encoded = file.split('/').map(encodeURIComponent).join('/');
  return `${repo}/blob/${commit}/${encoded}${line ? `#L${line}` : ''}`;
}

/** Catalog prose uses `backticks` for identifiers: escape HTML, then render those as <code>
 *  that wraps only between the identifier's parts. */
export function inlineMarkdown(s: string): string {
  return escapeHtml(s).replace(/`([^`]+)`/g, (_, id: string) => `<code>${wordBreaks(id)}</code>`);
}

/** An identifier such as `trigger:public.audit_events.audit_events_no_change`, escaped, with
 *  line-break opportunities after its separators, so it wraps at a dot or an underscore,
 *  never mid-word ("rls_forced_on_accoun t_tables" was what wrapping anywhere gave). */
export function breakable(s: string): string {
  return wordBreaks(escapeHtml(s));
}

function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** <wbr> after each underscore, dot, colon and slash of already-escaped text (not at its end). */
function wordBreaks(escaped: string): string {
  return escaped.replace(/([._:/])(?=.)/g, '$1<wbr>');
}

/** An id that is a valid CSS identifier (never starts with a digit or a hyphen-digit), so
 *  `#id` works in querySelector and CSS: criterion `5.1` becomes `c-5-1`. */
export const anchorId = (s: string, prefix = 'c') => `${prefix}-${slug(s)}`;

/**
 * Areas a buyer asks about, each made of catalog categories. Categories not named here get
 * a tile of their own, so nothing in the catalog is left off the overview.
 */
const AREAS: { key: string; label: string; categories: string[]; page?: string }[] = [
  { key: 'residency', label: 'Data residency', categories: ['residency'], page: '/residency/' },
  { key: 'isolation', label: 'Isolation', categories: ['isolation'], page: '/agents/' },
  { key: 'logging', label: 'Logging and audit', categories: ['logging'], page: '/logging/' },
  { key: 'encryption', label: 'Encryption', categories: ['encryption'], page: '/encryption/' },
  { key: 'access', label: 'Access control', categories: ['access', 'tool controls'], page: '/access-control/' },
  { key: 'privacy', label: 'Privacy', categories: ['privacy'], page: '/data-handling/' },
  { key: 'vulnerability', label: 'Vulnerability management', categories: ['vulnerability management'], page: '/vulnerability-disclosure/' },
  { key: 'vendors', label: 'Vendors', categories: ['vendor'], page: '/subprocessors/' },
  { key: 'governance', label: 'Governance', categories: ['governance'] },
];

export interface Area {
  key: string;
  label: string;
  page?: string;
  categories: string[];
  controls: ControlView[];
  /** Controls per observed status, as the engine observed them. */
  counts: Record<Status, number>;
  /** Controls whose passing findings include each kind of proof (from trust.json). */
  proof: { structure: number; data: number; enforcement: number };
}

export function areas(): Area[] {
  const ev = evidence();
  const cats = [...new Set(ev.controls.map((c) => c.control.category))].sort();
  const known = new Set(AREAS.flatMap((a) => a.categories));
  const all = [...AREAS, ...cats.filter((c) => !known.has(c)).map((c) => ({ key: slug(c), label: c[0]!.toUpperCase() + c.slice(1), categories: [c] }))];
  return all.map((a) => {
    const controls = ev.controls.filter((c) => a.categories.includes(c.control.category));
    const counts = { live: 0, designed: 0, roadmap: 0 } as Record<Status, number>;
    const proof = { structure: 0, data: 0, enforcement: 0 };
    for (const c of controls) {
      counts[c.evaluation.observed]++;
      for (const k of ev.trustById.get(c.control.id)?.proof ?? []) proof[k as keyof typeof proof]++;
    }
    return { ...a, controls, counts, proof };
  }).filter((a) => a.controls.length > 0);
}

/** Criteria of a framework by the strongest status the engine observed among their mapped controls. */
export function frameworkCoverage(framework: Framework): { live: number; designed: number; roadmap: number; none: number; total: number } {
  const m = mappingFor(framework.id);
  const ev = evidence();
  const out = { live: 0, designed: 0, roadmap: 0, none: 0, total: framework.criteria.length };
  for (const c of framework.criteria) {
    const observed = (m?.criteria[c.id] ?? []).map((r) => ev.byId.get(r.control)?.evaluation.observed).filter(Boolean);
    const best = STATUS_ORDER.find((s) => observed.includes(s));
    out[best ?? 'none']++;
  }
  return out;
}

export interface VendorView {
  name: string;
  purpose: string;
  location: string;
  data?: string;
  since?: string;
  /** What in the code and configuration sends data to this vendor, as the dependencies
   *  collector found it in this run (packages and provider drivers). */
  found: { what: string; where: string }[];
}

/** The vendor registry (catalog organisation.subprocessors) joined with what the dependencies
 *  collector found in package.json, the lockfile and the provider drivers. The judgement
 *  (no undeclared vendor) is the vendor_sdks_published check's, shown by its badge. */
export function vendors(): VendorView[] {
  const ev = evidence();
  const facts = ev.bundle.parts.dependencies?.facts as
    | { sdks?: { package: string; version: string; source: string; match: string }[]; providers?: { file: string; name: string; match: string | null }[] }
    | undefined;
  return ev.bundle.catalog.organisation.subprocessors.map((s) => {
    const n = s.name.toLowerCase();
    const found = [
      ...(facts?.sdks ?? []).filter((x) => n.includes(x.match)).map((x) => ({ what: `${x.package}@${x.version}`, where: x.source })),
      ...(facts?.providers ?? []).filter((p) => p.match && n.includes(p.match)).map((p) => ({ what: `provider driver ${p.name}`, where: p.file })),
    ];
    return { ...s, found };
  });
}

/** Policies kept as markdown in the repository (controls/policies/*.md, beside the catalog of
 *  promises they govern), published with their version,
 *  date and the SHA-256 of the file as committed. */
export const POLICIES_DIR = 'controls/policies';

export interface PolicyDocument { name: string; title: string; version: string; date: string; owner?: string; file: string; bytes: number; sha256: string }

export function policies(): PolicyDocument[] {
  const dir = path.join(repoRoot(), POLICIES_DIR);
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((f) => f.endsWith('.md')).sort().map((f) => {
    const file = path.join(dir, f);
    const raw = readFileSync(file);
    const fm = /^---\n([\s\S]*?)\n---\n/.exec(raw.toString('utf8'))?.[1];
    if (!fm) fail(file, 'no front matter (--- title, version, date ---)');
    const meta = Object.fromEntries(fm.split('\n').map((l) => /^(\w+):\s*(.*)$/.exec(l)).filter((m): m is RegExpExecArray => !!m).map((m) => [m[1]!, m[2]!.trim()]));
    for (const k of ['title', 'version', 'date']) if (!meta[k]) fail(file, `front matter has no ${k}`);
    if (!/^\d{4}-\d{2}-\d{2}$/.test(meta.date!)) fail(file, `front matter date "${meta.date}" is not YYYY-MM-DD`);
    return { name: f.replace(/\.md$/, ''), title: meta.title!, version: meta.version!, date: meta.date!, owner: meta.owner, file: `${POLICIES_DIR}/${f}`, bytes: raw.length, sha256: sha256(raw) };
  });
}
