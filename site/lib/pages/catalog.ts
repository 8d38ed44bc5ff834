/**
 * The pages about the catalog itself: a framework's matrix (pages/frameworks/[framework].astro),
 * the changelog (pages/changelog.astro) and the catalog as of a release
 * (pages/changelog/[version].astro). What the first two derive from the evidence is made
 * here and shared with their markdown twins.
 */
import { evidence, frameworkShort, mappingFor, slug, STATUS_ORDER, type Change } from '../evidence.ts';
import { releases } from '../releases.ts';
import { badge, code, facts, heading, inlineList, link, list, para, strong, table } from '../twins/markdown.ts';
import { barsTwin, type BarRow } from './overview.ts';

type Framework = ReturnType<typeof evidence>['bundle']['catalog']['frameworks'][number];

/** Each criterion with the controls mapped to it and the strongest status observed among them; the coverage per group. */
export function frameworkMatrix(f: Framework) {
  const ev = evidence();
  const m = mappingFor(f.id);
  const rows = f.criteria.map((c) => {
    const refs = (m?.criteria[c.id] ?? []).map((r) => ({ ...r, v: ev.byId.get(r.control) })).filter((r) => r.v);
    const best = STATUS_ORDER.find((s) => refs.some((r) => r.v!.evaluation.observed === s));
    return { c, refs, best };
  });
  const groups = [...new Set(f.criteria.map((c) => c.group ?? 'Criteria'))];
  const chartRows: BarRow[] = groups.map((g) => {
    const rs = rows.filter((r) => (r.c.group ?? 'Criteria') === g);
    const n = (s?: string) => rs.filter((r) => r.best === s).length;
    return { label: g, counts: { live: n('live'), designed: n('designed'), roadmap: n('roadmap'), none: n(undefined) } };
  });
  return { m, short: frameworkShort(f.id, f.name), rows, chartRows, covered: rows.filter((r) => r.best === 'live').length };
}

export function frameworkTwin(f: Framework): string[] {
  const { m, short, rows, chartRows, covered } = frameworkMatrix(f);
  return [
    para(
      `${f.name}, ${f.edition}: criteria mapped to our controls${m ? `, mapping version ${strong(m.version)}` : ' (no mapping in this bundle)'}. ${covered} of ${f.criteria.length} criteria have at least one control observed live. This is a readiness mapping, not an audit opinion.`,
    ),
    ...barsTwin(`${short} coverage by criteria group`, 'Criteria per group by the strongest observed status among their mapped controls.', chartRows),
    table([
      ['Criterion', 'Title', 'Controls (observed status)'],
      ...rows.map((r) => [
        r.c.id,
        `${r.c.title}${r.c.group ? ` ${r.c.group}` : ''}`,
        r.refs.length === 0 ? 'no control mapped' : inlineList(r.refs.map((x) => `${link(x.v!.control.title, `/controls/${x.control}/`)} ${badge(x.v!.evaluation.observed)} ${x.relationship}`)),
      ]),
    ]),
    para(`Filter the control list by this framework: ${link(`controls mapped to ${short}`, `/controls/framework/${f.id}/`)}. The mapping itself is in ${link('mapping.json', '/downloads/')}.`),
  ];
}

type Version = { version: string; unreleased?: unknown };

/** The changelog's versions, newest first, and the words of each change. */
export function changelog() {
  const ev = evidence();
  const released = releases().map((r) => ({ version: r.catalogVersion }));
  return {
    released,
    versions: [...(ev.changelog?.versions ?? [])].reverse(),
    isReleased: (v: Version) => v.unreleased !== true && released.some((r) => r.version === v.version),
    // A catalog changed without a version bump shows its version twice (released, and this
    // run): the run's entry gets an id of its own.
    versionId: (v: Version) => `v${slug(v.version)}${v.unreleased === true ? '-unreleased' : ''}`,
    title: (id?: string) => (id && ev.byId.get(id)?.control.title) || id,
    detail: (ch: Record<string, unknown>) =>
      Object.entries(ch)
        .filter(([k]) => !['kind', 'control', 'from', 'to'].includes(k))
        .map(([k, v]) => `${k} ${typeof v === 'string' ? v : JSON.stringify(v)}`)
        .join(', '),
  };
}

export function changelogTwin(): string[] {
  const ev = evidence();
  const { released, versions, isReleased, title, detail } = changelog();
  const move = (ch: Change) =>
    ch.from !== undefined && ch.to !== undefined
      ? ` (${String(ch.from)} → ${String(ch.to)})`
      : ch.to !== undefined
        ? ` (as ${String(ch.to)})`
        : ch.from !== undefined
          ? ` (was ${String(ch.from)})`
          : '';
  const change = (ch: Change) => {
    const d = detail(ch);
    const what = ch.control ? `: ${ev.byId.has(ch.control) ? link(title(ch.control) ?? '', `/controls/${ch.control}/`) : code(ch.control)}` : '';
    return `${strong(ch.kind.replace(/_/g, ' '))}${what}${move(ch)}${d ? ` — ${d}` : ''}`;
  };
  return [
    para(
      `Every version of the controls catalog and its framework mappings, newest first, and what changed in it. The current evidence uses catalog ${strong(ev.bundle.catalog.version)}; mapping versions: ${ev.bundle.catalog.mappings.map((m) => `${frameworkShort(m.framework)} ${m.version}`).join(', ')}.`,
    ),
    para(
      `Claim changes as they happen (a status up or down, a claim gone stale) are in the ${link('Atom feed of claim changes', '/changes.atom')}, from the transparency log; catalog versions are below${released.length > 0 ? `, each with the catalog ${link('as of its release', `/changelog/${released[0]!.version}/`)}` : ''}.`,
    ),
    versions.length === 0 ? para('The evidence directory holds no changelog.json yet.') : '',
    ...versions.flatMap((v) => [
      heading(2, `Version ${v.version}${v.unreleased === true ? ' (this run, not released)' : ''}${v.date ? ` · ${v.date}` : ''}`),
      v.catalogSha256 ? para(`catalog sha256 ${code(v.catalogSha256)}${isReleased(v) ? ` · ${link(`the catalog as of ${v.version}`, `/changelog/${v.version}/`)}` : ''}`) : '',
      v.changes.length === 0 ? para('No control changed.') : list(v.changes.map(change)),
    ]),
  ];
}

/** The twin of the catalog as of a release, from the same snapshot and current evidence the page reads. */
export function releaseTwin(version: string): string[] {
  const all = releases();
  const r = all.find((x) => x.catalogVersion === version)!;
  const ev = evidence();
  const newer = all.filter((x) => x.catalogVersion !== version && all.indexOf(x) < all.indexOf(r));
  const older = all[all.indexOf(r) + 1];
  const claimed = (s: string) => r.controls.filter((c) => c.claimed === s).length;
  const changedSince = r.controls.filter((c) => ev.byId.get(c.id)?.evaluation.claimed !== c.claimed).length;
  const added = ev.controls.filter((v) => !r.controls.some((c) => c.id === v.control.id)).length;
  const criteria = (c: (typeof r.controls)[number]) =>
    Object.entries(c.criteria)
      .filter(([, ids]) => ids.length)
      .map(([fw, ids]) => `${frameworkShort(fw)} ${ids.join(', ')}`)
      .join('; ');
  const current = ev.bundle.catalog.version;
  const last = newer[newer.length - 1];
  return [
    para(
      `What catalog ${strong(version)} claimed when it was released: ${r.controls.length} controls, ${claimed('live')} claimed live, ${claimed('designed')} designed and ${claimed('roadmap')} roadmap. The current evidence uses catalog ${current}${current === version ? ' (this version)' : ''}.`,
    ),
    facts([
      ['Catalog', code(`sha256:${r.catalogSha256}`)],
      ['Released from', `the run whose evidence bundle is ${code(`sha256:${r.bundleSha256}`)}`],
      ['Mappings', r.mappings.map((m) => `${frameworkShort(m.framework)} ${m.version}`).join(', ')],
      [
        'Since then',
        changedSince === 0 && added === 0
          ? 'no claim has changed in the current catalog'
          : `${changedSince} of these claims differ in the current catalog or left it; ${added} control${added === 1 ? '' : 's'} added`,
      ],
      [
        'Snapshot',
        `${code(`controls/releases/${version}.json`)} in the repository · ${link(`what changed in ${version}`, `/changelog/#v${slug(version)}`)}${older ? ` · ${link(`catalog ${older.catalogVersion}`, `/changelog/${older.catalogVersion}/`)}` : ''}${last ? ` · ${link(`catalog ${last.catalogVersion}`, `/changelog/${last.catalogVersion}/`)}` : ''}`,
      ],
    ]),
    heading(2, `Controls as of ${version}`),
    table([
      ['Control', 'Claimed then', 'Observed then', 'Now', 'Criteria then'],
      ...r.controls.map((c) => {
        const now = ev.byId.get(c.id);
        return [
          `${now ? link(c.title, `/controls/${c.id}/`) : c.title} ${code(c.id)}`,
          c.claimed,
          `${c.observed}${c.verdict !== 'holds' ? ` (${c.verdict.replace(/_/g, ' ')})` : ''}`,
          now ? badge(now.evaluation.observed, now.evaluation.claimed) : 'no longer in the catalog',
          criteria(c) || 'none',
        ];
      }),
    ]),
  ];
}
