/**
 * The markdown twins of the pages that sort controls by where they stand: honest gaps
 * (pages/gaps.astro), the readiness summary (pages/readiness.astro), and the subprocessors
 * with the control that checks the registry (pages/subprocessors.astro).
 */
import { evidence, STATUS_ORDER, vendors, type ControlView } from '../evidence.ts';
import { badge, chart, code, heading, inlineList, link, list, para, prose, table } from '../twins/markdown.ts';
import { barsTwin } from './overview.ts';

const controlLink = (c: ControlView) => link(c.control.title, `/controls/${c.control.id}/`);

/** A card of the gaps page: the control's title, its badge (and target), its description. */
const card = (c: ControlView, target: boolean) => ({
  text: '',
  blocks: [{ line: controlLink(c) }, { line: `${badge(c.evaluation.observed)}${target && c.control.target ? ` target: ${c.control.target}` : ''}` }, { line: prose(c.control.description) }],
});

export function gapsTwin(): string[] {
  const ev = evidence();
  const roadmap = ev.controls.filter((c) => c.evaluation.observed === 'roadmap');
  const designed = ev.controls.filter((c) => c.evaluation.observed === 'designed');
  const unsupported = ev.controls.filter((c) => c.evaluation.verdict === 'unsupported');
  return [
    para('This list comes from the same catalog and evidence as the rest of the site. When a control moves to live, it leaves this page on the next build.'),
    heading(2, `Not built yet (${roadmap.length})`),
    list(roadmap.map((c) => card(c, true))),
    heading(2, `Designed, not yet proven live (${designed.length})`),
    list(designed.map((c) => card(c, false))),
    heading(2, `Claims the evidence does not support (${unsupported.length})`),
    unsupported.length === 0
      ? para('None: every designed claim names artifacts that exist.')
      : list(
          unsupported.map(
            (c) => `${controlLink(c)}: claimed ${c.evaluation.claimed}, observed ${badge(c.evaluation.observed)}. ${c.evaluation.findings[0] ? prose(c.evaluation.findings[0].reason) : ''}`,
          ),
        ),
    heading(2, 'Also not in place'),
    list([
      `No independent audit report (SOC 2 or ISO 27001 certification) exists yet; the ${link('signed evidence', '/downloads/')} is what we offer instead.`,
      `No bug bounty with payments; see the ${link('disclosure policy', '/vulnerability-disclosure/')}.`,
      'Real cloud drivers are planned behind the provider interface; the evidence here describes the control plane and its configuration.',
    ]),
  ];
}

/** What each status means on the readiness board. */
export const READINESS_WORDS = { live: 'proven by passing checks', designed: 'built or designed, not yet proven', roadmap: 'planned, no evidence yet' } as const;

/** The readiness board: the controls of each status, and the counts per category. */
export function readiness() {
  const ev = evidence();
  const board = STATUS_ORDER.map((st) => ({ st, items: ev.controls.filter((c) => c.evaluation.observed === st) }));
  const byCat = [...new Set(ev.controls.map((c) => c.control.category))].sort().map((cat) => {
    const cs = ev.controls.filter((c) => c.control.category === cat);
    const n = (s: string) => cs.filter((c) => c.evaluation.observed === s).length;
    return { label: cat, counts: { live: n('live'), designed: n('designed'), roadmap: n('roadmap') } };
  });
  return { board, byCat };
}

export function readinessTwin(): string[] {
  const s = evidence().bundle.summary;
  const { board, byCat } = readiness();
  return [
    para(
      `Generated from the evidence bundle, never edited by hand. Of ${s.controls} controls, ${s.observed.live} are live, ${s.observed.designed} designed and ${s.observed.roadmap} on the roadmap. Regressions: ${s.regressions}. Ready to promote: ${s.readyToPromote}. Claims the evidence does not support: ${s.unsupported}.`,
    ),
    // The board's drawing says what its description says; its caption follows.
    ...chart('Status board', `${board.map((b) => `${b.items.length} ${b.st}`).join(', ')} of ${s.controls} controls. Controls by observed status; the bar shows their share of the catalog.`),
    ...barsTwin('Controls by category and status', 'Observed status of the controls in each category.', byCat),
    ...board.flatMap((b) => [
      heading(2, `${badge(b.st)} ${b.items.length} ${b.st}: ${READINESS_WORDS[b.st]}`),
      b.items.length === 0
        ? para('None.')
        : list(
            b.items.map((c) => {
              const e = c.evaluation;
              return `${controlLink(c)}${e.claimed !== e.observed ? ` (claimed ${e.claimed})` : ''}${e.verdict === 'ready_to_promote' ? ' — ready to promote' : ''}${c.control.target ? ` — target: ${c.control.target}` : ''}`;
            }),
          ),
    ]),
    para(`See the ${link('SOC 2', '/frameworks/soc2/')} and ${link('ISO 27001', '/frameworks/iso27001/')} matrices for coverage by criterion.`),
  ];
}

export function subprocessorsTwin(): string[] {
  const ev = evidence();
  const registry = ev.byId.get('subprocessors_published');
  return [
    para(
      `Every company that processes customer data on our behalf. The list is one file in our repository, the vendor registry; the evidence gate reads our ${code('package.json')}, lockfile and provider drivers on every run and fails when any of them sends data to a vendor that is not in it.`,
    ),
    registry ? para(`That check, and that every entry is complete: ${controlLink(registry)} ${badge(registry.evaluation.observed)}.`) : '',
    table([
      ['Company', 'Purpose', 'Data involved', 'Location', 'Since', 'In our code'],
      ...vendors().map((s) => [
        s.name,
        s.purpose,
        s.data ?? '—',
        s.location,
        s.since ?? 'not recorded',
        s.found.length === 0 ? 'no SDK or driver: used through configuration or by contract' : inlineList(s.found.map((f) => `${code(f.what)} (${f.where})`)),
      ]),
    ]),
    para(
      `Follow changes: ${link('subprocessors feed', '/subprocessors.json')} (JSON Feed 1.1, one item per vendor with the date it was added). We add a vendor to the registry, and so to this page and the feed, before it receives data.`,
    ),
  ];
}
