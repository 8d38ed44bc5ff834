/**
 * The overview (pages/index.astro) and the bar charts (components/StackedBars.astro): what
 * they derive from the evidence, shared with their markdown twins, made here from the same data.
 */
import { areas, evidence, frameworkCoverage, frameworkShort, isoDate, slug, STATUS_ORDER, type Area } from '../evidence.ts';
import { chart, heading, link, list, para, strong } from '../twins/markdown.ts';

export interface BarRow {
  label: string;
  counts: { live: number; designed: number; roadmap: number; none?: number };
  href?: string;
}

const BAR_KEYS = ['live', 'designed', 'roadmap', 'none'] as const;

/** The segments a chart shows (`none` only when a row counts it), their names, and a bar's counts in words. */
export function barWords(rows: BarRow[], noneLabel = 'not covered') {
  const withNone = rows.some((r) => r.counts.none !== undefined);
  const shown = BAR_KEYS.filter((k) => k !== 'none' || withNone);
  const name = (k: (typeof BAR_KEYS)[number]) => (k === 'none' ? noneLabel : k);
  const text = (r: BarRow) => shown.map((k) => `${r.counts[k] ?? 0} ${name(k)}`).join(' · ');
  return { shown, name, text };
}

/** A chart's twin: its title and caption, and each bar's label (linked where the page links it) with its counts. */
export function barsTwin(title: string, desc: string, rows: BarRow[], noneLabel?: string): string[] {
  const { text } = barWords(rows, noneLabel);
  return chart(
    title,
    desc,
    rows.map((r) => ({ label: r.href ? link(r.label, r.href) : r.label, counts: text(r) })),
  );
}

export const plural = (n: number, w: string) => `${n} ${w}${n === 1 ? '' : 's'}`;

/** The overview's derived parts: coverage bars, the latest catalog version and the changes it shows. */
export function overview() {
  const ev = evidence();
  const coverage: BarRow[] = ev.bundle.catalog.frameworks.map((f) => {
    const c = frameworkCoverage(f);
    return {
      label: `${frameworkShort(f.id, f.name)}: ${c.live} of ${c.total} criteria with a live control`,
      href: `/frameworks/${f.id}/`,
      counts: { live: c.live, designed: c.designed, roadmap: c.roadmap, none: c.none },
    };
  });
  const latest = ev.changelog?.versions[0];
  const title = (id?: string) => (id && ev.byId.get(id)?.control.title) || id;
  const shown = (latest?.changes ?? []).filter((ch) => ch.control).slice(0, 6);
  return { coverage, latest, title, shown };
}

/** The kinds of proof behind an area's passing checks, in words. */
export function proofWords(a: Area): string {
  const total = a.proof.enforcement + a.proof.data + a.proof.structure;
  const kinds = (['enforcement', 'data', 'structure'] as const).filter((k) => a.proof[k] > 0).map((k) => `${a.proof[k]} ${k}`);
  return `${kinds.join(' · ') || 'no passing check yet'}${total === 1 ? ' proof' : total > 1 ? ' proofs' : ''}`;
}

export function overviewTwin(): string[] {
  const ev = evidence();
  const s = ev.bundle.summary;
  const d = ev.bundle.catalog.organisation.disclosure;
  const contact = d.contact.replace(/^mailto:/, '');
  const verified = isoDate(ev.verifiedAt);
  const { coverage, latest, title, shown } = overview();
  const tile = (a: Area) => ({
    text: '',
    blocks: [
      { line: a.page ? link(a.label, a.page) : a.label },
      { list: STATUS_ORDER.filter((st) => a.counts[st] > 0).map((st) => `${a.counts[st]} ${st}`) },
      { line: proofWords(a) },
      {
        line: `Verified ${verified} · ${a.categories
          .map(
            (c, i) =>
              `${i > 0 ? ', ' : ''}${link(`${plural(a.controls.filter((x) => x.control.category === c).length, 'control')}${a.categories.length > 1 ? ` (${c})` : ''}`, `/controls/category/${slug(c)}/`)}`,
          )
          .join('')}`,
      },
    ],
  });
  const topic = (href: string, label: string) => link(label, href);
  return [
    para('Every status below is what our evidence engine observed in the running platform, signed and published with the evidence behind it. Nothing on this site is edited by hand.'),
    list([
      ...STATUS_ORDER.map((st) => `${strong(String(s.observed[st] ?? 0))} ${st}`),
      `${strong(String(s.controls))} controls in catalog ${ev.bundle.catalog.version}`,
      `${strong(verified)} last verified, fresh until ${isoDate(new Date(ev.trust.freshness.freshUntil))}`,
    ]),
    heading(2, 'Status by area'),
    list(areas().map(tile)),
    heading(2, 'Report a vulnerability'),
    para(
      `${link(contact, `mailto:${contact}`)}. We acknowledge reports within ${d.acknowledgementBusinessDays} business day${d.acknowledgementBusinessDays === 1 ? '' : 's'} and agree a disclosure date with you. ${link('Policy', '/vulnerability-disclosure/')} · ${link('security.txt', '/.well-known/security.txt')}`,
    ),
    heading(2, 'Certification roadmap'),
    para(
      `We hold no SOC 2 report and no ISO/IEC 27001 certificate, and no independent auditor has assessed us yet. What we offer instead is below: a readiness mapping to the frameworks and evidence signed on every run, which you can ${link('verify yourself', '/downloads/')}.`,
    ),
    para(
      `Before an audit is worth paying for, the ${s.observed.designed} designed and ${s.observed.roadmap} roadmap controls on ${link('honest gaps', '/gaps/')} have to be built and proven. No audit date is committed; when an auditor is engaged, this box will name them and the period.`,
    ),
    heading(2, 'For your tools'),
    para(
      `${link('trust.json', '/trust.json')} lists every claim with its status, proof, evidence digest and freshness, signed with the evidence key. ${link('verify.mjs', '/downloads/verify.mjs')} checks this whole site against the signed bundle, offline.`,
    ),
    heading(2, 'Coverage per framework'),
    ...barsTwin(
      'Framework criteria by the strongest status among their controls',
      "A readiness mapping, not an audit opinion. Each bar links to the framework's matrix.",
      coverage,
      'no control mapped',
    ),
    heading(2, 'Latest changes'),
    ...(!latest
      ? [para('No changelog in this evidence.')]
      : [
          para(`Catalog ${latest.version}${latest.unreleased === true ? ' (this run, not yet released)' : ''}: ${plural(latest.changes.length, 'change')}.`),
          list(
            shown.map(
              (ch) =>
                `${ch.kind.replace(/_/g, ' ')}: ${link(title(ch.control) ?? '', `/controls/${ch.control}/`)}${ch.to !== undefined ? ` (${ch.from !== undefined ? `${String(ch.from)} → ` : ''}${String(ch.to)})` : ''}`,
            ),
          ),
          para(
            `${link('Full changelog', '/changelog/')} · ${link('updates feed', '/feed.json')} (JSON Feed) · ${link('claim changes', '/changes.atom')} (Atom) · ${link('subprocessors', '/subprocessors/')}`,
          ),
        ]),
    heading(2, 'How to read a status'),
    list([
      'live every check of the control passed against the running platform when the evidence was signed.',
      'designed the design exists in our repository and was found there, but is not yet proven in production.',
      'roadmap planned, with no evidence yet.',
    ]),
    para(
      `The site refuses to build when a control we claim as live fails a check. Topic pages: ${[
        topic('/residency/', 'residency'),
        topic('/isolation/', 'isolation'),
        topic('/logging/', 'logging and storage'),
        topic('/encryption/', 'encryption'),
        topic('/access-control/', 'access control'),
        topic('/data-handling/', 'data handling'),
        topic('/agents/', 'agents'),
        topic('/vms/', 'plain VMs'),
      ].join(', ')}. ${ev.bundle.catalog.organisation.name}.`,
    ),
  ];
}
