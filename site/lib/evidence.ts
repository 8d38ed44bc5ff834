/**
 * The only door between the site and the evidence: the pages take the outputs of the
 * evidence engine (bundle.json and its siblings in the same directory) from here, read and
 * validated once per build with the engine's own zod schemas (evidence-load.ts), and the
 * views of them the pages share. Nothing here computes a status: badges show
 * `evaluation.observed` as written by the engine.
 */
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { frameworkShort, STATUS_ORDER, type Bundle, type ControlView, type Framework, type Mapping, type Status } from '../../evidence/contract.ts';
import { loadEvidence, type Evidence } from './evidence-load.ts';

export { frameworkShort, STATUS_ORDER, type ControlView, type Status };
export { loadEvidence, policies, POLICIES_DIR, repoRoot, verifierWithPin, VERIFY_MJS, type Change, type Changelog, type Download, type Evidence, type PolicyDocument } from './evidence-load.ts';

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

export const slug = (s: string) =>
  s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');

export function mappingFor(framework: string): Mapping | undefined {
  return evidence().bundle.catalog.mappings.find((m) => m.framework === framework);
}

/** Controls mapped to a framework (any criterion), in id order. */
export function controlsInFramework(framework: string): ControlView[] {
  const m = mappingFor(framework);
  if (!m) return [];
  const ids = new Set(
    Object.values(m.criteria)
      .flat()
      .map((x) => x.control),
  );
  return evidence().controls.filter((c) => ids.has(c.control.id));
}

export const isoDate = (d: Date) => d.toISOString().slice(0, 10);
export const isoMinute = (d: Date) => d.toISOString().slice(0, 16).replace('T', ' ') + ' UTC';

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
  return all
    .map((a) => {
      const controls = ev.controls.filter((c) => a.categories.includes(c.control.category));
      const counts = { live: 0, designed: 0, roadmap: 0 } as Record<Status, number>;
      const proof = { structure: 0, data: 0, enforcement: 0 };
      for (const c of controls) {
        counts[c.evaluation.observed]++;
        for (const k of ev.trustById.get(c.control.id)?.proof ?? []) proof[k as keyof typeof proof]++;
      }
      return { ...a, controls, counts, proof };
    })
    .filter((a) => a.controls.length > 0);
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
    { sdks?: { package: string; version: string; source: string; match: string }[]; providers?: { file: string; name: string; match: string | null }[] } | undefined;
  return ev.bundle.catalog.organisation.subprocessors.map((s) => {
    const n = s.name.toLowerCase();
    const found = [
      ...(facts?.sdks ?? []).filter((x) => n.includes(x.match)).map((x) => ({ what: `${x.package}@${x.version}`, where: x.source })),
      ...(facts?.providers ?? []).filter((p) => p.match && n.includes(p.match)).map((p) => ({ what: `provider driver ${p.name}`, where: p.file })),
    ];
    return { ...s, found };
  });
}
