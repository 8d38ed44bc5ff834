/**
 * A plain markdown twin for every built page: after the build, each `index.html`
 * gets an `index.md` beside it made from the page's <main>, so the twin can never
 * drift from the page (same text, same links, same badges, same evidence time).
 */
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AstroIntegration } from 'astro';
import { fromHtml } from 'hast-util-from-html';

type Node = { type: string; tagName?: string; value?: string; properties?: Record<string, unknown>; children?: Node[] };

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
      const title = svg && find(svg, (x) => x.tagName === 'title');
      const desc = svg && find(svg, (x) => x.tagName === 'desc');
      out.push(`*Chart: ${clean([title && textOf(title), desc && textOf(desc)].filter(Boolean).join('. '))}*`);
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

export function writeMarkdownTwins(outDir: string, site = ''): number {
  let n = 0;
  for (const file of htmlFiles(outDir)) {
    const rel = path.relative(outDir, path.dirname(file)).split(path.sep).join('/');
    const pagePath = rel ? `/${rel}/` : '/';
    writeFileSync(file.replace(/\.html$/, '.md'), htmlToMarkdown(readFileSync(file, 'utf8'), pagePath, site));
    n++;
  }
  return n;
}

export function markdownTwins(): AstroIntegration {
  let site = '';
  return {
    name: 'markdown-twins',
    hooks: {
      'astro:config:done': ({ config }) => { site = (config.site ?? '').replace(/\/$/, ''); },
      'astro:build:done': ({ dir, logger }) => {
        const n = writeMarkdownTwins(fileURLToPath(dir), site);
        logger.info(`wrote ${n} markdown twins`);
      },
    },
  };
}
