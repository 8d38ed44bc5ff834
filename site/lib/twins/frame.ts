/**
 * The parts of a twin the layout owns: its title and the evidence lines every page shows
 * (when the evidence was verified, where the page is, which bundle it was built from), and
 * the filling of a markdown or MDX page's body, whose control badges and expressions only
 * have their values when the page renders (twins/content.ts leaves marks for them).
 */
import { controlView, evidence, isoMinute } from '../evidence.ts';
import { badge, clean, code, heading, link, text } from './markdown.ts';

let lines: { build: object; bar: string; footer: string } | undefined;

/** The title, then the evidence bar, the page's URL and the footer's provenance as a quote. */
export function twinHead(title: string, pathname: string, site: string): string {
  const ev = evidence();
  // The bar and the footer are the same on every page of a build (the evidence identifies it).
  if (lines?.build !== ev) {
    const { catalog } = ev.bundle;
    const signed = isoMinute(ev.verifiedAt);
    lines = {
      build: ev,
      bar: clean(`Evidence last verified ${signed} · catalog ${catalog.version} · ${link('trust.json', '/trust.json')} (every claim, signed)`),
      footer: clean(
        `Built from evidence bundle ${code(`sha256:${ev.bundleSha256}`)}, catalog ${catalog.version} (${code(`sha256:${catalog.sha256.slice(0, 16)}…`)}), platform commit ${code(ev.bundle.platform.gitCommit)}. Evidence signed ${signed}. ${link('Verify it yourself', '/downloads/')}.`,
      ),
    };
  }
  return [heading(1, text(title)), [lines.bar, clean(`HTML version: ${site}${pathname}`), lines.footer].map((m) => `> ${m}`).join('\n>\n')].join('\n\n');
}

/** Marks twins/content.ts leaves in a body: a control's title (t:id) or badge (b:id), or the value of the page's n-th expression. */
const MARK = /\uE000(?:([tb]):([^\uE001]*)|(\d+))\uE001/g;

/** A value as Astro prints it in text: nothing for null, undefined and booleans. */
const shown = (v: unknown): string => (v === null || v === undefined || typeof v === 'boolean' ? '' : Array.isArray(v) ? v.map(shown).join('') : String(v));

export function fillContent(template: string, values: unknown[] = []): string {
  return template.replace(MARK, (_m, kind: string | undefined, id: string, n: string) => {
    if (kind === 't') return text(controlView(id).control.title);
    if (kind === 'b') return badge(controlView(id).evaluation.observed);
    return text(shown(values[Number(n)]));
  });
}
