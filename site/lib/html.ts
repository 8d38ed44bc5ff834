/**
 * HTML strings for the fragments repeated thousands of times across the site (a status
 * badge, a row of the controls table). Each row is built once per control and reused by
 * every page that lists it (all controls, its status, category and framework pages)
 * instead of being rendered again through Astro components on each of them. The
 * escaping is Astro's own, so the markup is byte for byte what the components rendered.
 */
import { frameworkShort, slug, type ControlView, type Status } from './evidence.ts';

/** Text content, as Astro escapes expressions. */
export const escapeText = (s: string) => s.replace(/[&<>'"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', "'": '&#39;', '"': '&quot;' })[c]!);
/** Attribute values, as Astro escapes them. */
export const escapeAttr = (s: string) => s.replace(/&/g, '&#38;').replace(/"/g, '&#34;');

const LABEL: Record<Status, string> = { live: 'Live', designed: 'Designed', roadmap: 'Roadmap' };
const MARK: Record<Status, string> = { live: '✓', designed: '◐', roadmap: '○' };

/** Status badge: colour, a shape and the word, so colour is never the only signal. The
 *  claimed status follows when it differs from the observed one. A badge about a control
 *  names it (data-control), so a machine (verify.mjs, the tests) can hold every badge of
 *  every page against trust.json and the bundle. */
export function badgeHtml(status: Status, claimed?: Status, control?: string): string {
  const about = control ? ` data-control="${escapeAttr(control)}"` : '';
  const badge = `<span class="badge badge-${escapeAttr(status)}" data-status="${escapeAttr(status)}"${about}><span aria-hidden="true">${escapeText(MARK[status])}</span> ${escapeText(LABEL[status])}</span>`;
  return claimed && claimed !== status ? `${badge}<span class="claimed"> (claimed ${escapeText(claimed)})</span>` : badge;
}

const rows = new WeakMap<ControlView, string>();

/** One row of the controls table: control, observed status (claimed when it differs), category, criteria. */
export function controlRowHtml(v: ControlView): string {
  let row = rows.get(v);
  if (row !== undefined) return row;
  const { control: c, evaluation: e } = v;
  const id = c.id;
  const note = e.verdict === 'ready_to_promote' ? '<br><span class="small muted">ready to promote</span>' : e.verdict === 'unsupported' ? '<br><span class="small muted">claim unsupported</span>' : '';
  const criteria = v.criteria.length ? escapeText(v.criteria.map((x) => `${frameworkShort(x.framework.id, x.framework.name)} ${x.criterion.id}`).join(', ')) : '<span class="muted">none</span>';
  row =
    `<tr data-control="${escapeAttr(id)}"><td data-label="Control"><a href="${escapeAttr(`/controls/${id}/`)}">${escapeText(c.title)}</a><br><code class="small">${escapeText(id)}</code></td>` +
    `<td class="nowrap" data-label="Status">${badgeHtml(e.observed, e.claimed, id)}${note}</td>` +
    `<td class="nowrap" data-label="Category"><a href="${escapeAttr(`/controls/category/${slug(c.category)}/`)}">${escapeText(c.category)}</a></td>` +
    `<td class="small" data-label="Criteria">${criteria}</td></tr>`;
  rows.set(v, row);
  return row;
}
