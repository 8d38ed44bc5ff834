/**
 * A plain markdown twin for every built page: after the build, each `index.html`
 * gets an `index.md` beside it made from the page's <main>, so the twin can never
 * drift from the page (same text, same links, same badges, same evidence time).
 */
import { readdirSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AstroIntegration } from 'astro';
import { parse } from 'parse5';

type Node = { type: string; tagName?: string; value?: string; properties?: Record<string, unknown>; children?: Node[] };

/** The parts of parse5's default tree that the twin reads. */
type P5 = { nodeName: string; tagName?: string; value?: string; attrs?: { name: string; value: string }[]; childNodes?: P5[]; content?: P5 };

/** parse5's tree as the small element/text tree below: class -> className[], aria-hidden -> ariaHidden.
 *  parse5 directly (the parser hast-util-from-html wraps), without source locations or hast's
 *  property normalisation: the twin of every page is made in a fraction of the time. */
function fromParse5(n: P5): Node {
  if (n.nodeName === '#text') return { type: 'text', value: n.value ?? '' };
  const kids = (n.content ?? n).childNodes;
  const children = kids ? kids.map(fromParse5) : [];
  if (!n.tagName) return { type: n.nodeName === '#comment' ? 'comment' : 'root', children: n.nodeName === '#comment' ? [] : children };
  const properties: Record<string, unknown> = {};
  for (const a of n.attrs ?? []) {
    if (a.name === 'class') properties.className = a.value.split(/\s+/).filter(Boolean);
    else if (a.name === 'aria-hidden') properties.ariaHidden = a.value;
    else properties[a.name] = a.value;
  }
  return { type: 'element', tagName: n.tagName, properties, children };
}

const fromHtml = (html: string): Node => fromParse5(parse(html) as unknown as P5);

const cls = (n: Node): string[] => {
  const c = n.properties?.className;
  return Array.isArray(c) ? (c as string[]) : typeof c === 'string' ? c.split(' ') : [];
};
const hidden = (n: Node) => n.properties?.ariaHidden === 'true' || n.properties?.ariaHidden === true;

function find(n: Node, pred: (n: Node) => boolean): Node | undefined {
  if (pred(n)) return n;
  for (const c of n.children ?? []) {
    const hit = find(c, pred);
    if (hit) return hit;
  }
  return undefined;
}

/** Inline content: text, links, emphasis, code; collapses whitespace. */
function inline(n: Node): string {
  if (n.type === 'text') return (n.value ?? '').replace(/\s+/g, ' ');
  if (n.type !== 'element' || hidden(n)) return '';
  const kids = () => (n.children ?? []).map(inline).join('');
  switch (n.tagName) {
    case 'a': {
      const t = kids().trim();
      return t ? `[${t}](${String(n.properties?.href ?? '')})` : '';
    }
    case 'strong': case 'b': { const t = kids().trim(); return t ? `**${t}**` : ''; }
    case 'em': case 'i': { const t = kids().trim(); return t ? `*${t}*` : ''; }
    case 'code': return '`' + textOf(n).replace(/`/g, "'") + '`';
    case 'br': return ' ';
    case 'svg': case 'script': case 'style': return '';
    case 'span': return cls(n).includes('badge') ? `**${kids().trim().toLowerCase()}**` : kids();
    default: return kids();
  }
}

function textOf(n: Node): string {
  if (n.type === 'text') return n.value ?? '';
  return (n.children ?? []).map(textOf).join('');
}

const clean = (s: string) => s.replace(/[ \t]+/g, ' ').trim();

function table(n: Node): string {
  const rows: string[][] = [];
  const walk = (x: Node) => {
    if (x.tagName === 'tr') rows.push((x.children ?? []).filter((c) => c.tagName === 'td' || c.tagName === 'th').map((c) => clean(blockAsInline(c)).replace(/\|/g, '\\|')));
    else (x.children ?? []).forEach(walk);
  };
  walk(n);
  if (!rows.length) return '';
  const width = Math.max(...rows.map((r) => r.length));
  const line = (r: string[]) => `| ${Array.from({ length: width }, (_, i) => r[i] ?? '').join(' | ')} |`;
  return [line(rows[0]!), `|${' --- |'.repeat(width)}`, ...rows.slice(1).map(line)].join('\n');
}

/** Cell content may hold lists (matrix cells): flatten them with semicolons. */
function blockAsInline(n: Node): string {
  if (n.type === 'element' && (n.tagName === 'ul' || n.tagName === 'ol')) return (n.children ?? []).filter((c) => c.tagName === 'li').map((li) => clean(blockAsInline(li))).join('; ');
  if (n.type === 'element' && !hidden(n) && ['td', 'th', 'li', 'div', 'p'].includes(n.tagName ?? '')) return (n.children ?? []).map(blockAsInline).join('');
  return inline(n);
}

function list(n: Node, depth: number): string {
  const ordered = n.tagName === 'ol';
  let i = 0;
  return (n.children ?? []).filter((c) => c.tagName === 'li').map((li) => {
    i++;
    const lead = `${'  '.repeat(depth)}${ordered ? `${i}.` : '-'} `;
    const inl: Node[] = [], blocks: Node[] = [];
    for (const c of li.children ?? []) (c.type === 'element' && ['ul', 'ol', 'pre', 'p', 'h3'].includes(c.tagName!) ? blocks : inl).push(c);
    const parts = [clean(inl.map(inline).join(''))];
    for (const b of blocks) {
      if (b.tagName === 'ul' || b.tagName === 'ol') parts.push(list(b, depth + 1));
      else if (b.tagName === 'pre') parts.push(fence(b).split('\n').map((l) => '  '.repeat(depth + 1) + l).join('\n'));
      else parts.push('  '.repeat(depth + 1) + clean(inline(b)));
    }
    return lead + parts.filter(Boolean).join('\n');
  }).join('\n');
}

const fence = (n: Node) => '```\n' + textOf(n).replace(/\n$/, '') + '\n```';

function blocks(n: Node, out: string[]): void {
  for (const c of n.children ?? []) {
    if (c.type === 'text') {
      const t = clean(c.value ?? '');
      if (t) out.push(t);
      continue;
    }
    if (c.type !== 'element' || hidden(c)) continue;
    const tag = c.tagName!;
    if (/^h[1-6]$/.test(tag)) out.push(`${'#'.repeat(Number(tag[1]))} ${clean(inline(c))}`);
    else if (tag === 'p') { const t = clean(inline(c)); if (t) out.push(t); }
    else if (tag === 'ul' || tag === 'ol') out.push(list(c, 0));
    else if (tag === 'table') out.push(table(c));
    else if (tag === 'pre') out.push(fence(c));
    else if (tag === 'dl') {
      const items: string[] = [];
      for (const x of c.children ?? []) {
        if (x.tagName === 'dt') items.push(`- **${clean(inline(x))}**:`);
        else if (x.tagName === 'dd' && items.length) items[items.length - 1] += ` ${clean(inline(x))}`;
      }
      out.push(items.join('\n'));
    } else if (tag === 'figure') {
      const svg = find(c, (x) => x.tagName === 'svg');
      if (svg) {
        const title = find(svg, (x) => x.tagName === 'title');
        const desc = find(svg, (x) => x.tagName === 'desc');
        out.push(`*Chart: ${clean([title && textOf(title), desc && textOf(desc)].filter(Boolean).join('. '))}*`);
        continue;
      }
      // An HTML chart (StackedBars): its title, one line per bar with the counts, its caption.
      const title = find(c, (x) => x.tagName === 'p');
      const caption = find(c, (x) => x.tagName === 'figcaption');
      const bars = find(c, (x) => x.tagName === 'ul' && cls(x).includes('bars'));
      const part = (li: Node, k: string) => { const n = find(li, (x) => cls(x).includes(k)); return n ? clean(textOf(n)) : ''; };
      out.push(`*Chart: ${clean([title && textOf(title), caption && textOf(caption)].filter(Boolean).join('. '))}*`);
      if (bars) out.push((bars.children ?? []).filter((li) => li.tagName === 'li').map((li) => `- ${part(li, 'label')}: ${part(li, 'counts')}`).join('\n'));
    } else if (tag === 'svg' || tag === 'script' || tag === 'style') continue;
    else if (['div', 'section', 'nav', 'article', 'main', 'header', 'aside'].includes(tag)) blocks(c, out);
    else { const t = clean(inline(c)); if (t) out.push(t); }
  }
}

/** Markdown for one built page. `pagePath` is its URL path, e.g. `/controls/x/`. */
export function htmlToMarkdown(html: string, pagePath: string, site = ''): string {
  const tree = fromHtml(html) as unknown as Node;
  const main = find(tree, (n) => n.tagName === 'main');
  const bar = find(tree, (n) => cls(n).includes('evidence-bar'));
  const footer = find(tree, (n) => n.tagName === 'footer');
  const out: string[] = [];
  if (main) blocks(main, out);
  const lastFooterP = footer && (find(footer, (n) => n.tagName === 'p') as Node | undefined);
  const meta = [
    bar ? clean(inline(bar)).replace(/ · \[View as markdown\]\([^)]*\)/, '') : '',
    `HTML version: ${site}${pagePath}`,
    lastFooterP ? clean(inline(lastFooterP)) : '',
  ].filter(Boolean);
  // The h1 stays first; the evidence line follows as a quote, like the page's bar.
  const [h1, ...rest] = out;
  return [h1, meta.map((m) => `> ${m}`).join('\n>\n'), ...rest].filter(Boolean).join('\n\n') + '\n';
}

function htmlFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name === 'index.html')
    .map((e) => path.join(e.parentPath, e.name));
}

/** Writes every twin; reads and writes go through libuv's pool, a few files in flight,
 *  so converting one page overlaps the disk work of the others. */
export async function writeMarkdownTwins(outDir: string, site = ''): Promise<number> {
  const files = htmlFiles(outDir);
  let next = 0;
  const worker = async () => {
    while (next < files.length) {
      const file = files[next++]!;
      const rel = path.relative(outDir, path.dirname(file)).split(path.sep).join('/');
      const html = await readFile(file, 'utf8');
      await writeFile(file.replace(/\.html$/, '.md'), htmlToMarkdown(html, rel ? `/${rel}/` : '/', site));
    }
  };
  await Promise.all(Array.from({ length: Math.min(8, files.length) }, worker));
  return files.length;
}

export function markdownTwins(): AstroIntegration {
  let site = '';
  return {
    name: 'markdown-twins',
    hooks: {
      'astro:config:done': ({ config }) => { site = (config.site ?? '').replace(/\/$/, ''); },
      'astro:build:done': async ({ dir, logger }) => {
        const n = await writeMarkdownTwins(fileURLToPath(dir), site);
        logger.info(`wrote ${n} markdown twins`);
      },
    },
  };
}
