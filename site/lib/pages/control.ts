/**
 * The control page (pages/controls/[id].astro): the words and figures it derives from the
 * evaluation, trust.json and the changelog, shared with its markdown twin, which is made
 * here from the same data.
 */
import type { ControlEvaluation } from '../../../evidence/contract.ts';
import { anchorId, evidence, frameworkShort, isoMinute, slug, sourceUrl, type Change, type ControlView } from '../evidence.ts';
import { badge, code, facts, heading, inlineList, link, list, para, prose, strong, table } from '../twins/markdown.ts';
import { historyTwin } from './control-history.ts';

export const KIND: Record<string, string> = {
  structure: 'structure: the guard exists and is in effect',
  data: 'data: the rows obey the promise now',
  enforcement: 'enforcement: the runtime role tried the forbidden act and was refused',
};
/** What each kind of proof shows, after its name. */
export const kindText = (k: string) => KIND[k]!.slice(k.length + 2);

export const RESULT = { pass: '✓ pass', fail: '✗ fail', error: '! error' } as const;

export const tally = (fs: { status: 'pass' | 'fail' | 'error' }[]) =>
  (['pass', 'fail', 'error'] as const)
    .map((s) => [s, fs.filter((f) => f.status === s).length] as const)
    .filter(([, n]) => n > 0)
    .map(([s, n]) => `${n} ${s}`)
    .join(', ');

export const kindsOf = (fs: { kind?: string }[]) => [...new Set(fs.map((f) => f.kind).filter(Boolean))] as string[];

export const params = (p: Record<string, unknown>) =>
  Object.entries(p)
    .map(([k, val]) => `${k}=${Array.isArray(val) ? val.join(',') : String(val)}`)
    .join(' ');

/** A changelog entry about this control, in words: the move of its claim, then any other field. */
export const describe = (ch: Record<string, unknown>) => {
  const extra = Object.entries(ch)
    .filter(([k]) => !['kind', 'control', 'from', 'to'].includes(k))
    .map(([k, val]) => `${k}: ${typeof val === 'string' ? val : JSON.stringify(val)}`);
  const move =
    ch.from !== undefined && ch.to !== undefined ? `${String(ch.from)} → ${String(ch.to)}` : ch.to !== undefined ? `as ${String(ch.to)}` : ch.from !== undefined ? `was ${String(ch.from)}` : '';
  return [move, ...extra].filter(Boolean).join('; ');
};

export interface ControlChange {
  version: string;
  date?: string;
  unreleased: boolean;
  change: Change;
}

/** The changelog's entries about one control, in the changelog's order. */
export const controlChanges = (id: string): ControlChange[] =>
  (evidence().changelog?.versions ?? []).flatMap((ver) =>
    ver.changes.filter((ch) => ch.control === id).map((ch) => ({ version: ver.version, date: ver.date, unreleased: ver.unreleased === true, change: ch })),
  );

/** The note under the facts when claim and evidence differ (components/VerdictNote.astro). */
export const VERDICT_NOTE: Record<ControlEvaluation['verdict'], { title: string; text: string } | null> = {
  holds: null,
  stale: null,
  ready_to_promote: { title: 'Ready to promote.', text: 'Every check of this designed control passes: it is ready to be promoted to live in the next catalog version.' },
  unsupported: { title: 'Not supported by evidence.', text: 'The evidence does not support the claimed status: a design artifact it names is missing. We show what was observed.' },
  regression: { title: 'Regression.', text: 'A check of this control failed.' },
};

/** A repository path (components/SourcePath.astro): linked to its source when the catalog names a repository. */
export function sourcePath(file: string, line?: number | null): string {
  const label = code(`${file}${line ? `:${line}` : ''}`);
  const href = sourceUrl(evidence().bundle, file, line ?? undefined);
  return href ? link(label, href) : label;
}

type Finding = ControlEvaluation['checks'][number]['findings'][number];

const where = (f: Finding) => `${code(f.origin.resource)}${f.origin.file ? ` ${sourcePath(f.origin.file, f.origin.line)}` : ''}`;

function findingsCell(fs: Finding[]): string {
  if (fs.length === 0) return 'no finding';
  if (fs.length === 1) return `${prose(fs[0]!.reason)} ${where(fs[0]!)}`;
  const items = fs.map((f) => `${RESULT[f.status]} ${prose(f.reason)}${f.observed ? ` observed: ${f.observed}` : ''} ${where(f)}`);
  return `${fs.length} findings: ${tally(fs)} ${inlineList(items)}`;
}

export async function controlTwin(v: ControlView): Promise<string[]> {
  const { control: c, evaluation: e } = v;
  const ev = evidence();
  const claim = ev.trustById.get(c.id)!;
  const note = VERDICT_NOTE[e.verdict];
  const changes = controlChanges(c.id);
  return [
    para(prose(c.statement)),
    facts([
      ['Status', `${badge(e.observed)} observed; catalog claims ${e.claimed}`],
      ['Since', `${claim.since}${claim.since === 'this run' ? ' (no earlier catalog release records this status)' : ''}`],
      [
        'Kind of proof',
        claim.proof.length === 0 ? (e.observed === 'roadmap' ? 'none yet: planned' : 'no passing check yet: design artifacts only') : inlineList(claim.proof.map((k) => `${k} ${kindText(k)}`)),
      ],
      ['Last verified', `${isoMinute(ev.verifiedAt)} fresh until ${isoMinute(new Date(claim.freshUntil))}`],
      ['Category', link(c.category, `/controls/category/${slug(c.category)}/`)],
      ['Control id', `${code(c.id)} evidence digest ${code(`${claim.evidenceSha256.slice(0, 16)}…`)} in ${link('trust.json', '/trust.json')}`],
      ...(c.target ? [['Target', c.target] as [string, string]] : []),
    ]),
    note ? para(`${strong(note.title)} ${note.text}`) : '',
    ...(await historyTwin(c.id)),
    heading(2, 'How it works'),
    para(prose(c.description)),
    heading(2, 'Checks and last results'),
    e.checks.length === 0
      ? para(e.observed === 'roadmap' ? 'No checks: a roadmap control carries no evidence until it is built.' : 'No automated check yet.')
      : table([
          ['Check', 'Result', 'Proof', 'Findings'],
          ...e.checks.map((k) => [`${code(k.check)}${Object.keys(k.params).length > 0 ? ` ${params(k.params)}` : ''}`, RESULT[k.status], kindsOf(k.findings).join(' '), findingsCell(k.findings)]),
        ]),
    ...(e.findings.length > 0 ? [heading(3, 'Open findings'), list(e.findings.map((f) => `${code(f.check)} ${f.status}: ${prose(f.reason)} (${f.origin.resource})`))] : []),
    heading(2, 'Design artifacts'),
    e.artifacts.length === 0
      ? para(`None named: ${e.claimed === 'live' ? 'a live control is proven by its checks.' : 'nothing in the repository yet.'}`)
      : list(
          e.artifacts.map(
            (a) => `${sourcePath(a.file, a.line)}${a.symbol ? ` symbol ${code(a.symbol)}` : ''}${a.resource ? ` resource ${code(a.resource)}` : ''} — ${a.found ? 'found' : strong('missing')}`,
          ),
        ),
    heading(2, 'Framework criteria'),
    v.criteria.length === 0
      ? para('Not mapped to a framework criterion.')
      : list(
          v.criteria.map(
            (m) =>
              `${link(`${frameworkShort(m.framework.id, m.framework.name)} ${m.criterion.id}`, `/frameworks/${m.framework.id}/#${anchorId(m.criterion.id)}`)} ${m.criterion.title} (${m.relationship})`,
          ),
        ),
    heading(2, 'History'),
    changes.length === 0
      ? para('No change recorded for this control in the changelog.')
      : list(
          changes.map((h) => {
            const d = describe(h.change);
            return `${link(`Catalog ${h.version}${h.unreleased ? ' (this run)' : ''}`, `/changelog/#v${slug(h.version)}${h.unreleased ? '-unreleased' : ''}`)}${h.date ? ` (${h.date})` : ''}: ${h.change.kind.replace(/_/g, ' ')}${d ? ` — ${d}` : ''}`;
          }),
        ),
  ];
}
