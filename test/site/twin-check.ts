/**
 * A page against its markdown twin: the twin is rendered from the page's data, not read from
 * its HTML (site/lib/markdown-twins.ts), so this is what keeps the two saying the same thing.
 * The browser reads the page's <main> (READ_MAIN); twinProblems compares.
 */

/** What a page's <main> shows: its words (not those hidden from assistive technology), the words of its drawings (SVG titles and descriptions), its links and its badges. */
export interface PageFacts {
  words: string;
  drawn: string;
  links: string[];
  badges: { status: string; control: string | null }[];
}

/**
 * Reads a page's <main> in the browser: `await page.evaluate(READ_MAIN)` gives its PageFacts.
 * Element edges separate words, as markup does in the twin. Plain JavaScript in a string, so
 * no transform (a name helper, say) can add what the page does not have.
 */
export const READ_MAIN = `(() => {
  const main = document.querySelector('main');
  const out = { words: '', drawn: '' };
  const walk = (n, svg) => {
    if (n.nodeType === Node.TEXT_NODE) { out[svg ? 'drawn' : 'words'] += n.textContent; return; }
    if (n.nodeType !== Node.ELEMENT_NODE || n.getAttribute('aria-hidden') === 'true') return;
    const inSvg = svg || n.localName === 'svg';
    out[inSvg ? 'drawn' : 'words'] += ' ';
    for (const c of n.childNodes) walk(c, inSvg);
    out[inSvg ? 'drawn' : 'words'] += ' ';
  };
  walk(main, false);
  const shown = (e) => !e.closest('[aria-hidden="true"]');
  return {
    ...out,
    links: [...main.querySelectorAll('a[href]')].filter(shown).map((a) => a.getAttribute('href')),
    badges: [...main.querySelectorAll('.badge[data-status]')].filter(shown).map((b) => ({ status: b.getAttribute('data-status'), control: b.getAttribute('data-control') })),
  };
})()`;

const words = (s: string) =>
  s
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean);

function tally(ws: string[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const w of ws) m.set(w, (m.get(w) ?? 0) + 1);
  return m;
}

/**
 * Where the twin and the page differ: every link of the page in the twin and no other; each
 * status in bold at least as often as the page shows its badge, and the control of every
 * badge named; and the same words, as many times each (the twin's charts add "Chart", and
 * say in words what the page's drawings say in their titles and descriptions).
 */
export function twinProblems(page: PageFacts, twin: string): string[] {
  // The evidence lines (a quote) come from the layout, outside <main>.
  const body = twin
    .split('\n')
    .filter((l) => !l.startsWith('>'))
    .join('\n');
  const links = [...body.matchAll(/\]\(([^)\s]*)\)/g)].map((m) => m[1]!);
  const problems: string[] = [];
  for (const l of new Set(page.links)) if (!links.includes(l)) problems.push(`the page links ${l}, the twin does not`);
  for (const l of new Set(links)) if (!page.links.includes(l)) problems.push(`the twin links ${l}, the page does not`);
  for (const s of ['live', 'designed', 'roadmap']) {
    const shown = page.badges.filter((b) => b.status === s).length;
    const bold = body.split(`**${s}**`).length - 1;
    if (bold < shown) problems.push(`${shown} ${s} badges on the page, ${bold} in the twin`);
  }
  for (const b of page.badges) if (b.control && !body.includes(b.control)) problems.push(`the badge of ${b.control} is not about a control the twin names`);
  const onPage = tally(words(page.words));
  const drawnToo = tally(words(`${page.words} ${page.drawn}`));
  // Link targets and the numbers of ordered lists are markup, not words of the page.
  const inTwin = tally(words(body.replace(/\]\([^)\s]*\)/g, ']').replace(/^(\s*)\d+\. /gm, '$1')));
  for (const [w, n] of onPage) if ((inTwin.get(w) ?? 0) < n) problems.push(`"${w}": ${n} on the page, ${inTwin.get(w) ?? 0} in the twin`);
  for (const [w, n] of inTwin) if (w !== 'chart' && (drawnToo.get(w) ?? 0) < n) problems.push(`"${w}": ${n} in the twin, ${drawnToo.get(w) ?? 0} on the page`);
  return problems;
}
