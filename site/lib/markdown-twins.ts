/**
 * A plain markdown twin for every built page: after the build, each `index.html`
 * gets an `index.md` beside it made from the page's <main> (and the same text at the
 * paths llmstxt.org names: `index.html.md`, and `<dir>.md`), so the twin can never
 * drift from the page (same text, same links, same badges, same evidence time).
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AstroIntegration } from 'astro';

type Node = { type: string; tagName?: string; value?: string; properties?: Record<string, unknown>; children?: Node[]; svg?: true };

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

/** The tree parse5 makes, in the shape above (parse5 loaded on first use: only pages the
 *  fast reader below declines need it). */
async function viaParse5(html: string): Promise<Node> {
  const { parse } = await import('parse5');
  return fromParse5(parse(html) as unknown as P5);
}

// ---------------------------------------------------------------------------------------
// A fast reader for the HTML this site emits (Astro's compressed output): well-formed,
// every element closed explicitly, text escaped with a handful of entities. It builds the
// <body> subtree exactly as parse5 would, and returns null on anything where the HTML
// tree-construction rules would do more than nest tags as written (implied end tags,
// foster parenting, raw text, foreign content, unknown character references, ...); the
// page is then read by parse5. test/site checks that both give the same twin for every page.

const VOID = new Set(['area', 'base', 'br', 'col', 'embed', 'hr', 'img', 'input', 'link', 'meta', 'source', 'track', 'wbr']);
/** Start tags that close an open <p> (HTML tree construction, "in body"). */
const CLOSES_P = new Set([
  'address',
  'article',
  'aside',
  'blockquote',
  'center',
  'details',
  'dialog',
  'dir',
  'div',
  'dl',
  'fieldset',
  'figcaption',
  'figure',
  'footer',
  'header',
  'hgroup',
  'main',
  'menu',
  'nav',
  'ol',
  'p',
  'search',
  'section',
  'summary',
  'ul',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'pre',
  'listing',
  'form',
  'li',
  'dd',
  'dt',
  'plaintext',
  'table',
  'hr',
  'xmp',
]);
/** Elements whose content or placement the tree builder treats specially: left to parse5. */
const SPECIAL = new Set([
  'html',
  'head',
  'body',
  'frameset',
  'frame',
  'script',
  'style',
  'title',
  'textarea',
  'template',
  'noscript',
  'noembed',
  'noframes',
  'iframe',
  'xmp',
  'plaintext',
  'listing',
  'svg',
  'math',
  'select',
  'option',
  'optgroup',
  'form',
  'button',
  'image',
  'isindex',
  'nobr',
  'applet',
  'marquee',
  'object',
  'caption',
  'colgroup',
  'col',
  'keygen',
  'menuitem',
  'rb',
  'rp',
  'rt',
  'rtc',
  'ruby',
  'basefont',
  'bgsound',
  'param',
]);
/** HTML's "special" category, which bounds the search for an open <li>, <dd> or <dt>. */
const SPECIAL_CATEGORY = new Set([
  'address',
  'applet',
  'area',
  'article',
  'aside',
  'base',
  'basefont',
  'bgsound',
  'blockquote',
  'body',
  'br',
  'button',
  'caption',
  'center',
  'col',
  'colgroup',
  'dd',
  'details',
  'dir',
  'div',
  'dl',
  'dt',
  'embed',
  'fieldset',
  'figcaption',
  'figure',
  'footer',
  'form',
  'frame',
  'frameset',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'head',
  'header',
  'hgroup',
  'hr',
  'html',
  'iframe',
  'img',
  'input',
  'keygen',
  'li',
  'link',
  'listing',
  'main',
  'marquee',
  'menu',
  'meta',
  'nav',
  'noembed',
  'noframes',
  'noscript',
  'object',
  'ol',
  'p',
  'param',
  'plaintext',
  'pre',
  'script',
  'search',
  'section',
  'select',
  'source',
  'style',
  'summary',
  'table',
  'tbody',
  'td',
  'template',
  'textarea',
  'tfoot',
  'th',
  'thead',
  'title',
  'tr',
  'track',
  'ul',
  'wbr',
  'xmp',
]);
/** Inside <svg>: elements and attributes whose names the tree builder keeps as written
 *  (no case adjustment, no namespace prefix); anything else declines. */
const SVG_ELEMENTS = new Set(['svg', 'g', 'rect', 'text', 'tspan', 'title', 'desc', 'circle', 'ellipse', 'line', 'path', 'polygon', 'polyline', 'defs']);
const SVG_ATTRIBUTES = new Set([
  'x',
  'y',
  'x1',
  'x2',
  'y1',
  'y2',
  'cx',
  'cy',
  'r',
  'rx',
  'ry',
  'd',
  'points',
  'width',
  'height',
  'fill',
  'stroke',
  'stroke-width',
  'opacity',
  'fill-opacity',
  'stroke-dasharray',
  'stroke-linecap',
  'stroke-linejoin',
  'font-size',
  'font-weight',
  'font-family',
  'text-anchor',
  'dominant-baseline',
  'transform',
  'role',
  'id',
  'class',
  'style',
  'xmlns',
  'focusable',
  'aria-hidden',
  'aria-label',
  'aria-labelledby',
  'aria-describedby',
]);
/** The two camel-case SVG attributes the site uses, as the tree builder spells them. */
const SVG_ADJUSTED: Record<string, string> = { viewbox: 'viewBox', preserveaspectratio: 'preserveAspectRatio' };
const HEADINGS = new Set(['h1', 'h2', 'h3', 'h4', 'h5', 'h6']);
const TABLE_SECTIONS = new Set(['thead', 'tbody', 'tfoot']);
const TABLE_CONTEXT = new Set(['table', 'thead', 'tbody', 'tfoot', 'tr']);
const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0' };

class Decline extends Error {}
const decline = (): never => {
  throw new Decline();
};

/** Character references: the named few above and numeric ones in the plain ranges; anything else declines. */
function decode(s: string): string {
  if (s.indexOf('&') === -1) return s;
  return s.replace(/&(?:#(\d{1,7})|#[xX]([0-9a-fA-F]{1,6})|([a-zA-Z][a-zA-Z0-9]*))?(;?)/g, (_m, dec?: string, hex?: string, name?: string, semi?: string) => {
    if (!semi) return decline();
    if (name !== undefined) return NAMED[name] ?? decline();
    const cp = dec !== undefined ? Number(dec) : hex !== undefined ? parseInt(hex, 16) : decline();
    if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff) decline();
    return String.fromCodePoint(cp);
  });
}

const isSpace = (c: number) => c === 32 || c === 10 || c === 9 || c === 12;
/** [a-zA-Z0-9-] */
const isNameChar = (c: number) => (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 45;
const isAlpha = (c: number) => (c >= 97 && c <= 122) || (c >= 65 && c <= 90);
/** Ends an attribute name: space " ' > / = < (or the end of input). */
const endsAttrName = (c: number) => isSpace(c) || c === 34 || c === 39 || c === 62 || c === 47 || c === 61 || c === 60 || Number.isNaN(c);
/** Ends an unquoted attribute value: space " ' = < > ` (or the end of input). */
const endsUnquoted = (c: number) => isSpace(c) || c === 34 || c === 39 || c === 61 || c === 60 || c === 62 || c === 96 || Number.isNaN(c);

/** The <body> subtree as parse5 builds it, under a root; null when the page needs parse5. */
export function fastParse(html: string): Node | null {
  try {
    return readBody(html);
  } catch (e) {
    if (e instanceof Decline) return null;
    throw e;
  }
}

function readBody(html: string): Node {
  if (/[\r\0]/.test(html)) decline();
  const root: Node = { type: 'root', children: [] };
  const stack: Node[] = [root];
  let inBody = false;
  let i = 0;
  const len = html.length;
  const code = (k: number) => html.charCodeAt(k);
  const text = (raw: string) => {
    if (!raw) return;
    if (!inBody) {
      if (/[^ \t\n\f]/.test(raw)) decline();
      return;
    }
    const top = stack[stack.length - 1]!;
    if (TABLE_CONTEXT.has(top.tagName!) && /[^ \t\n\f]/.test(raw)) decline(); // foster parenting
    const kids = top.children!;
    const prev = kids[kids.length - 1];
    const value = decode(raw);
    if (prev && prev.type === 'text') prev.value += value;
    else kids.push({ type: 'text', value });
  };
  while (i < len) {
    const lt = html.indexOf('<', i);
    if (lt === -1) {
      text(html.slice(i));
      break;
    }
    if (lt > i) text(html.slice(i, lt));
    const c = code(lt + 1);
    if (c === 33 /* ! */) {
      if (html.startsWith('<!--', lt)) {
        const end = html.indexOf('-->', lt + 4);
        if (end === -1 || html.slice(lt + 4, end).includes('--') || html.startsWith('>', lt + 4) || html.startsWith('->', lt + 4)) decline();
        if (inBody) stack[stack.length - 1]!.children!.push({ type: 'comment', children: [] });
        i = end + 3;
      } else if (!inBody && /^<!doctype html>/i.test(html.slice(lt, lt + 15))) i = lt + 15;
      else decline();
      continue;
    }
    if (c === 47 /* / */) {
      // </name [space]*>
      let k = lt + 2;
      if (!isAlpha(code(k))) decline();
      while (isNameChar(code(k))) k++;
      const name = html.slice(lt + 2, k).toLowerCase();
      while (isSpace(code(k))) k++;
      if (code(k) !== 62) decline();
      i = k + 1;
      if (!inBody) {
        if (name !== 'head' && name !== 'title') decline();
        continue;
      }
      if (name === 'body') {
        if (stack.length !== 2) decline();
        if (!/^[ \t\n\f]*(<\/html>[ \t\n\f]*)?$/i.test(html.slice(i))) decline();
        return root;
      }
      const top = stack[stack.length - 1]!;
      if (stack.length < 3 || top.tagName !== name) decline();
      stack.pop();
      continue;
    }
    // <name (space+ attr[=value])* [space]* [/]>
    if (!isAlpha(c)) decline();
    let k = lt + 2;
    while (isNameChar(code(k))) k++;
    const raw = html.slice(lt + 1, k);
    const name = raw.toLowerCase();
    const svg = inBody && (name === 'svg' || stack[stack.length - 1]!.svg === true);
    if (svg && (!SVG_ELEMENTS.has(name) || raw !== name)) decline();
    const properties: Record<string, unknown> = {};
    let selfClosing = false;
    for (;;) {
      const k0 = k;
      while (isSpace(code(k))) k++;
      const d = code(k);
      if (d === 62) {
        k++;
        break;
      }
      if (d === 47 && code(k + 1) === 62) {
        k += 2;
        selfClosing = true;
        break;
      }
      if (k === k0) decline(); // attributes are separated by space
      const ns = k;
      while (!endsAttrName(code(k))) k++;
      if (k === ns) decline();
      const an0 = html.slice(ns, k);
      let value = '';
      let j = k;
      while (isSpace(code(j))) j++;
      if (code(j) === 61 /* = */) {
        j++;
        while (isSpace(code(j))) j++;
        const q = code(j);
        if (q === 34 || q === 39) {
          const end = html.indexOf(q === 34 ? '"' : "'", j + 1);
          if (end === -1) decline();
          value = html.slice(j + 1, end);
          k = end + 1;
        } else {
          const vs = j;
          while (!endsUnquoted(code(j))) j++;
          if (j === vs) decline();
          value = html.slice(vs, j);
          k = j;
        }
      }
      const an = an0.toLowerCase();
      const adjusted = svg ? SVG_ADJUSTED[an] : undefined;
      if (svg && !adjusted && (!SVG_ATTRIBUTES.has(an) || an0 !== an)) decline();
      const key = an === 'class' ? 'className' : an === 'aria-hidden' ? 'ariaHidden' : (adjusted ?? an);
      if (key in properties) continue; // the first of a repeated attribute wins
      value = decode(value);
      properties[key] = an === 'class' ? value.split(/\s+/).filter(Boolean) : value;
    }
    i = k;
    if (selfClosing && !VOID.has(name) && !svg) decline(); // <x/> on a non-void HTML element is only a start tag
    if (!inBody) {
      if (name === 'body') {
        const body: Node = { type: 'element', tagName: 'body', properties, children: [] };
        root.children!.push(body);
        stack.push(body);
        inBody = true;
      } else if (name === 'title') {
        const end = html.indexOf('</title', i);
        if (end === -1) decline();
        i = end;
      } else if (name !== 'html' && name !== 'head' && name !== 'meta' && name !== 'link' && name !== 'base') decline();
      continue;
    }
    const top = stack[stack.length - 1]!;
    if (svg) {
      // Foreign content: nested as written; <x/> is an empty element.
      const el: Node = { type: 'element', tagName: name, properties, children: [], svg: true };
      top.children!.push(el);
      if (!selfClosing) stack.push(el);
      continue;
    }
    if (SPECIAL.has(name)) decline();
    const tt = top.tagName!;
    if (CLOSES_P.has(name) && stack.some((n) => n.tagName === 'p')) decline();
    if (name === 'a' && stack.some((n) => n.tagName === 'a')) decline(); // adoption agency
    if (name === 'li' || name === 'dd' || name === 'dt') {
      // An open <li> (or <dd>/<dt>) below only non-special elements would be closed first.
      for (let k = stack.length - 1; k > 0; k--) {
        const t = stack[k]!.tagName!;
        if (name === 'li' ? t === 'li' : t === 'dd' || t === 'dt') decline();
        if (SPECIAL_CATEGORY.has(t) && t !== 'address' && t !== 'div' && t !== 'p') break;
      }
    }
    if (HEADINGS.has(name) && HEADINGS.has(tt)) decline();
    if (tt === 'table' && !TABLE_SECTIONS.has(name)) decline();
    if (TABLE_SECTIONS.has(tt) && name !== 'tr') decline();
    if (tt === 'tr' && name !== 'td' && name !== 'th') decline();
    if (name === 'tr' && !TABLE_SECTIONS.has(tt)) decline();
    if ((name === 'td' || name === 'th') && tt !== 'tr') decline();
    if (TABLE_SECTIONS.has(name) && tt !== 'table') decline();
    const el: Node = { type: 'element', tagName: name, properties, children: [] };
    top.children!.push(el);
    if (VOID.has(name)) continue;
    stack.push(el);
    if (name === 'pre' && code(i) === 10) i++; // a newline right after <pre> is dropped
  }
  return decline();
}

/** The page's tree: the fast reader, or parse5 when it declines. */
const fromHtml = async (html: string): Promise<Node> => fastParse(html) ?? viaParse5(html);

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
    case 'strong':
    case 'b': {
      const t = kids().trim();
      return t ? `**${t}**` : '';
    }
    case 'em':
    case 'i': {
      const t = kids().trim();
      return t ? `*${t}*` : '';
    }
    case 'code':
      return '`' + textOf(n).replace(/`/g, "'") + '`';
    case 'br':
      return ' ';
    case 'svg':
    case 'script':
    case 'style':
      return '';
    case 'span':
      return cls(n).includes('badge') ? `**${kids().trim().toLowerCase()}**` : kids();
    default:
      return kids();
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
  if (n.type === 'element' && (n.tagName === 'ul' || n.tagName === 'ol'))
    return (n.children ?? [])
      .filter((c) => c.tagName === 'li')
      .map((li) => clean(blockAsInline(li)))
      .join('; ');
  if (n.type === 'element' && !hidden(n) && ['td', 'th', 'li', 'div', 'p'].includes(n.tagName ?? '')) return (n.children ?? []).map(blockAsInline).join('');
  return inline(n);
}

function list(n: Node, depth: number): string {
  const ordered = n.tagName === 'ol';
  let i = 0;
  return (n.children ?? [])
    .filter((c) => c.tagName === 'li')
    .map((li) => {
      i++;
      const lead = `${'  '.repeat(depth)}${ordered ? `${i}.` : '-'} `;
      const inl: Node[] = [],
        blocks: Node[] = [];
      for (const c of li.children ?? []) (c.type === 'element' && ['ul', 'ol', 'pre', 'p', 'h3'].includes(c.tagName!) ? blocks : inl).push(c);
      const parts = [clean(inl.map(inline).join(''))];
      for (const b of blocks) {
        if (b.tagName === 'ul' || b.tagName === 'ol') parts.push(list(b, depth + 1));
        else if (b.tagName === 'pre')
          parts.push(
            fence(b)
              .split('\n')
              .map((l) => '  '.repeat(depth + 1) + l)
              .join('\n'),
          );
        else parts.push('  '.repeat(depth + 1) + clean(inline(b)));
      }
      return lead + parts.filter(Boolean).join('\n');
    })
    .join('\n');
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
    else if (tag === 'p') {
      const t = clean(inline(c));
      if (t) out.push(t);
    } else if (tag === 'ul' || tag === 'ol') out.push(list(c, 0));
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
      // A bar chart (StackedBars) draws each bar as a small SVG: it is read as a list of bars.
      const svg = find(c, (x) => x.tagName === 'ul' && cls(x).includes('bars')) ? undefined : find(c, (x) => x.tagName === 'svg');
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
      const part = (li: Node, k: string) => {
        const n = find(li, (x) => cls(x).includes(k));
        return n ? clean(textOf(n)) : '';
      };
      out.push(`*Chart: ${clean([title && textOf(title), caption && textOf(caption)].filter(Boolean).join('. '))}*`);
      if (bars)
        out.push(
          (bars.children ?? [])
            .filter((li) => li.tagName === 'li')
            .map((li) => `- ${part(li, 'label')}: ${part(li, 'counts')}`)
            .join('\n'),
        );
    } else if (tag === 'svg' || tag === 'script' || tag === 'style') continue;
    else if (['div', 'section', 'nav', 'article', 'main', 'header', 'aside'].includes(tag)) blocks(c, out);
    else {
      const t = clean(inline(c));
      if (t) out.push(t);
    }
  }
}

/** Markdown for one built page. `pagePath` is its URL path, e.g. `/controls/x/`. */
export async function htmlToMarkdown(html: string, pagePath: string, site = '', options: { parser?: 'fast' | 'parse5' } = {}): Promise<string> {
  return treeToMarkdown(options.parser === 'parse5' ? await viaParse5(html) : await fromHtml(html), pagePath, site);
}

function treeToMarkdown(tree: Node, pagePath: string, site: string): string {
  const main = find(tree, (n) => n.tagName === 'main');
  const bar = find(tree, (n) => cls(n).includes('evidence-bar'));
  const footer = find(tree, (n) => n.tagName === 'footer');
  const out: string[] = [];
  if (main) blocks(main, out);
  const lastFooterP = footer && (find(footer, (n) => n.tagName === 'p') as Node | undefined);
  const meta = [bar ? clean(inline(bar)).replace(/ · \[View as markdown\]\([^)]*\)/, '') : '', `HTML version: ${site}${pagePath}`, lastFooterP ? clean(inline(lastFooterP)) : ''].filter(Boolean);
  // The h1 stays first; the evidence line follows as a quote, like the page's bar.
  const [h1, ...rest] = out;
  return [h1, meta.map((m) => `> ${m}`).join('\n>\n'), ...rest].filter(Boolean).join('\n\n') + '\n';
}

function htmlFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name === 'index.html')
    .map((e) => path.join(e.parentPath, e.name));
}

/** Writes the twin of every `index.html` in `files` (default: every one under `outDir`) and
 *  returns the twins' paths. Plain synchronous reads and writes: for thousands of small
 *  files they cost a fraction of the same work sent through libuv's thread pool. */
export async function writeMarkdownTwins(outDir: string, site = '', files = htmlFiles(outDir)): Promise<string[]> {
  const twins: string[] = [];
  for (const file of files) {
    const rel = path.relative(outDir, path.dirname(file)).split(path.sep).join('/');
    const html = readFileSync(file, 'utf8');
    const tree = fastParse(html) ?? (await viaParse5(html));
    const twin = file.slice(0, -'.html'.length) + '.md';
    const md = treeToMarkdown(tree, rel ? `/${rel}/` : '/', site);
    writeFileSync(twin, md);
    // Also where llmstxt.org says agents look: `index.html.md` for a directory URL, and
    // `<url>.md` for the page's URL without its trailing slash (/controls/x.md).
    writeFileSync(`${file}.md`, md);
    if (rel) writeFileSync(`${path.dirname(file)}.md`, md);
    twins.push(twin);
  }
  return twins;
}

export function markdownTwins(): AstroIntegration {
  let site = '';
  return {
    name: 'markdown-twins',
    hooks: {
      'astro:config:done': ({ config }) => {
        site = (config.site ?? '').replace(/\/$/, '');
      },
      'astro:build:done': async ({ dir, assets, logger }) => {
        // The pages this build rendered, as Astro reports them (not whatever else the
        // output directory holds).
        const outDir = fileURLToPath(dir);
        const pages = [...assets.values()]
          .flat()
          .map((u) => fileURLToPath(u))
          .filter((f) => path.basename(f) === 'index.html' && f.startsWith(outDir));
        const twins = await writeMarkdownTwins(outDir, site, pages);
        logger.info(`wrote ${twins.length} markdown twins`);
      },
    },
  };
}
