/**
 * The lists of controls (all, by status, category and framework): their filters
 * (components/ControlFilters.astro), their table (components/ControlsTable.astro) and their
 * markdown twins, from the same views.
 */
import { evidence, frameworkShort, mappingFor, slug, STATUS_ORDER, type ControlView, type Status } from '../evidence.ts';
import { badge, code, link, list, para, strong, table } from '../twins/markdown.ts';

/** What each status means, as the status filter's page leads with it. */
export const STATUS_WORDS: Record<Status, string> = {
  live: 'proven by passing checks against the running platform',
  designed: 'designed and present in the repository, not yet proven live',
  roadmap: 'planned, with no evidence yet',
};

/** The filters: every status with its count, every category, every framework. */
export function controlFilters() {
  const ev = evidence();
  return {
    total: ev.controls.length,
    statuses: STATUS_ORDER.map((s) => ({ status: s, count: ev.controls.filter((c) => c.evaluation.observed === s).length })),
    categories: [...new Set(ev.controls.map((c) => c.control.category))].sort(),
    frameworks: ev.bundle.catalog.frameworks.map((f) => ({ id: f.id, name: frameworkShort(f.id, f.name) })),
  };
}

function filtersTwin(): string[] {
  const f = controlFilters();
  return [
    'Status:',
    list([link(`All (${f.total})`, '/controls/'), ...f.statuses.map((s) => link(`${s.status} (${s.count})`, `/controls/status/${s.status}/`))]),
    'Category:',
    list(f.categories.map((c) => link(c, `/controls/category/${slug(c)}/`))),
    'Framework:',
    list(f.frameworks.map((x) => link(x.name, `/controls/framework/${x.id}/`))),
  ];
}

const rows = new WeakMap<ControlView, string[]>();

/** A row of the controls table (lib/html.ts controlRowHtml), made once per control. */
function row(v: ControlView): string[] {
  let r = rows.get(v);
  if (r) return r;
  const { control: c, evaluation: e } = v;
  const note = e.verdict === 'ready_to_promote' ? ' ready to promote' : e.verdict === 'unsupported' ? ' claim unsupported' : '';
  const criteria = v.criteria.length ? v.criteria.map((x) => `${frameworkShort(x.framework.id, x.framework.name)} ${x.criterion.id}`).join(', ') : 'none';
  r = [`${link(c.title, `/controls/${c.id}/`)} ${code(c.id)}`, badge(e.observed, e.claimed) + note, link(c.category, `/controls/category/${slug(c.category)}/`), criteria];
  rows.set(v, r);
  return r;
}

function listTwin(lead: string, controls: ControlView[]): string[] {
  return [para(lead), ...filtersTwin(), controls.length === 0 ? para('No control matches this filter.') : table([['Control', 'Status', 'Category', 'Criteria'], ...controls.map(row)])];
}

export const allControlsTwin = () =>
  listTwin(
    'Each control is one claim. Its badge is the status the evidence engine observed when the evidence was last verified; when the catalog claims something different, both are shown.',
    evidence().controls,
  );

export const statusTwin = (status: Status, controls: ControlView[]) => listTwin(`Controls observed ${strong(status)}: ${STATUS_WORDS[status]}.`, controls);

export const categoryTwin = (category: string, controls: ControlView[]) => listTwin(`Controls in the category ${strong(category)}.`, controls);

export function frameworkControlsTwin(f: { id: string; name: string; edition: string }, controls: ControlView[]): string[] {
  const m = mappingFor(f.id);
  return listTwin(
    `Controls mapped to at least one criterion of ${f.name} (${f.edition})${m ? `, mapping version ${m.version}` : ''}. See the ${link('criterion-by-criterion matrix', `/frameworks/${f.id}/`)}.`,
    controls,
  );
}
