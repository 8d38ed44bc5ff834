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
import { BundleSchema, type Bundle, type ControlEvaluation } from '../../evidence/types.ts';
import type { Control, Framework, Mapping } from '../../controls/types.ts';
import { liveControlsNotObservedLive } from '../../evidence/site/publish-gate.ts';

export type Status = 'live' | 'designed' | 'roadmap';
export const STATUS_ORDER: Status[] = ['live', 'designed', 'roadmap'];

const ChangeSchema = z.object({ kind: z.string(), control: z.string().optional(), from: z.unknown().optional(), to: z.unknown().optional() }).passthrough();
const ChangelogSchema = z.object({
  versions: z.array(z.object({ version: z.string(), catalogSha256: z.string().optional(), date: z.string().optional(), changes: z.array(ChangeSchema) }).passthrough()),
});
export type Changelog = z.output<typeof ChangelogSchema>;
export type Change = z.output<typeof ChangeSchema>;

/** in-toto Statement carried (base64) in the DSSE envelope bundle.sig.json. */
const StatementSchema = z.object({
  subject: z.array(z.object({ name: z.string(), digest: z.record(z.string(), z.string()) })).min(1),
  predicate: z.object({ signedAt: z.string() }).passthrough(),
}).passthrough();
const EnvelopeSchema = z.object({ payloadType: z.string(), payload: z.string(), signatures: z.array(z.object({ keyid: z.string().optional(), sig: z.string() })).min(1) });

export interface Download {
  /** Path under /downloads/, e.g. `oscal/assessment-results.json`. */
  name: string;
  /** Absolute source path in the evidence directory. */
  source: string;
  bytes: number;
  sha256: string;
  description: string;
}

export interface ControlView {
  control: Control;
  evaluation: ControlEvaluation;
  /** framework id -> criteria ids this control maps to. */
  criteria: { framework: Framework; criterion: { id: string; title: string }; relationship: string }[];
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
};

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

function listDownloads(dir: string): Download[] {
  const names = ['report.pdf', 'bundle.json', 'bundle.sig.json', 'bundle.pub.pem', 'mapping.json', 'changelog.json'].filter((n) => existsSync(path.join(dir, n)));
  const oscalDir = path.join(dir, 'oscal');
  if (existsSync(oscalDir) && statSync(oscalDir).isDirectory()) {
    for (const f of readdirSync(oscalDir).filter((f) => f.endsWith('.json')).sort()) names.push(`oscal/${f}`);
  }
  return names.map((name) => {
    const source = path.join(dir, name);
    const bytes = readFileSync(source);
    return { name, source, bytes: bytes.length, sha256: sha256(bytes), description: DESCRIPTIONS[name] ?? oscalDescription(path.basename(name, '.json')) };
  });
}

/** Loads and validates everything once per build. Throws one line naming the file and field. */
export function loadEvidence(bundlePath: string): Evidence {
  const abs = path.resolve(bundlePath);
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
  if (existsSync(pemPath)) {
    try {
      publicKeySha256 = sha256(createPublicKey(readFileSync(pemPath)).export({ type: 'spki', format: 'der' }));
    } catch (e) {
      fail(pemPath, `not a public key (${(e as Error).message.split('\n')[0]})`);
    }
  }

  const changelogPath = path.join(dir, 'changelog.json');
  const changelog = existsSync(changelogPath) ? parseWith(ChangelogSchema, readJson(changelogPath), changelogPath) : null;

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
    downloads: listDownloads(dir), controls, byId: new Map(controls.map((c) => [c.control.id, c])),
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
export function frameworkShort(id: string, name = id): string {
  return ({ soc2: 'SOC 2', iso27001: 'ISO 27001', gdpr: 'GDPR' } as Record<string, string>)[id] ?? name;
}

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
