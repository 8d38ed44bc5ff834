/**
 * The twins of the pages written in markdown (the policies) and MDX (the topic pages): a
 * rehype plugin that reads the tree the page's own source compiles to, the one its HTML is
 * rendered from, and writes it by the twins' rules (markdown.ts). What has a value only
 * when the page renders is left as a mark for twins/frame.ts to fill: a control's title and
 * badge (ControlRef), and MDX expressions, whose values the page hands over through a
 * component the plugin appends to its content (components/ContentTwin.astro, which renders
 * nothing). A markdown file's twin is in its frontmatter, as `markdownTwin`.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { clean, code, em, fence, heading, inlineList, link, list, strong, table, text, type Item, type Sub } from './markdown.ts';

type Program = { type: 'Program'; sourceType?: string; body: { type: string; expression?: unknown; source?: { value?: unknown }; specifiers?: { local: { name: string } }[] }[] };
type AttrValue = string | null | undefined | { type: string; value: string; data?: { estree?: Program } };
type Attr = { type: string; name?: string; value?: AttrValue };
type HNode = { type: string; tagName?: string; name?: string | null; value?: string; properties?: Record<string, unknown>; attributes?: Attr[]; children?: HNode[]; data?: { estree?: Program } };
type VFile = { path?: string; data: { astro?: { frontmatter?: Record<string, unknown> } } };

/** The source tree as plain elements and text, marks in the text. */
type El = { type: 'element'; tagName: string; properties: Record<string, unknown>; children: N[] };
type N = { type: 'text'; value: string } | El;

const CONTENT_TWIN = fileURLToPath(new URL('../../components/ContentTwin.astro', import.meta.url));
const NAME = '__TrustContentTwin';
const mark = (s: string) => `\uE000${s}\uE001`;
const txt = (value: string): N => ({ type: 'text', value });
const el = (tagName: string, properties: Record<string, unknown>, children: N[]): N => ({ type: 'element', tagName, properties, children });

/** Local names the page imports ControlRef as. */
function controlRefs(tree: HNode): Set<string> {
  const names = new Set<string>();
  for (const n of tree.children ?? [])
    for (const s of n.type === 'mdxjsEsm' ? (n.data?.estree?.body ?? []) : [])
      if (s.type === 'ImportDeclaration' && String(s.source?.value).endsWith('/ControlRef.astro')) for (const sp of s.specifiers ?? []) names.add(sp.local.name);
  return names;
}

/** Flattens MDX's nodes into elements and text; `values` collects the expressions whose marks the text holds. */
function plain(tree: HNode, refs: Set<string>, values: unknown[]): N[] {
  const expression = (program: Program | undefined): string => {
    values.push(structuredClone(program?.body[0]?.expression) ?? { type: 'Identifier', name: 'undefined' });
    return mark(String(values.length - 1));
  };
  const attr = (v: AttrValue): string => (v === null || v === undefined ? '' : typeof v === 'string' ? v : expression(v.data?.estree));
  const kids = (n: HNode): N[] => (n.children ?? []).flatMap(walk);
  const jsx = (n: HNode): N[] => {
    const name = n.name;
    if (!name) return kids(n);
    const attrs = () => Object.fromEntries((n.attributes ?? []).filter((a) => a.type === 'mdxJsxAttribute' && a.name).map((a) => [a.name!, attr(a.value)]));
    if (refs.has(name)) {
      // ControlRef: its slot (or the control's title) linked to the control, then the badge.
      const id = attrs().id;
      if (!id || id.includes('\uE000')) throw new Error(`markdown twin: <${name}> needs a literal id`);
      const label = kids(n);
      const out = [el('a', { href: `/controls/${id}/` }, label.length ? label : [txt(mark(`t:${id}`))]), txt(' '), txt(mark(`b:${id}`))];
      return n.type === 'mdxJsxFlowElement' ? [el('span', {}, out)] : out;
    }
    if (/^[a-z]/.test(name)) {
      const { class: className, ...rest } = attrs();
      return [el(name, { ...rest, ...(className ? { className: className.split(/\s+/) } : {}) }, kids(n))];
    }
    // Any other component (ScrollTable): what it wraps.
    return [el(n.type === 'mdxJsxFlowElement' ? 'div' : 'span', {}, kids(n))];
  };
  function walk(n: HNode): N[] {
    if (n.type === 'text') return [txt(n.value ?? '')];
    if (n.type === 'element') return [el(n.tagName!, n.properties ?? {}, kids(n))];
    if (n.type === 'mdxTextExpression' || n.type === 'mdxFlowExpression') return [txt(expression(n.data?.estree))];
    if (n.type === 'mdxJsxTextElement' || n.type === 'mdxJsxFlowElement') return jsx(n);
    // HTML in a markdown file reaches this plugin unparsed (Astro parses it after the plugins
    // run): a comment is left out, anything else would be lost from the twin, so it is refused.
    if (n.type === 'raw' && !/^\s*<!--[\s\S]*-->\s*$/.test(n.value ?? '')) throw new Error(`markdown twin: HTML in a markdown page cannot be read into its twin: ${(n.value ?? '').slice(0, 60)}`);
    return []; // ESM, comments
  }
  return kids(tree);
}

/** The element's tag when it is one of `tags` (a plain test: no narrowing of what it is not). */
const is = (n: N, ...tags: string[]): El | undefined => (n.type === 'element' && tags.includes(n.tagName) ? n : undefined);
const hidden = (n: El) => n.properties.ariaHidden === 'true' || n.properties.ariaHidden === true;
const textOf = (n: N): string => (n.type === 'text' ? n.value : n.children.map(textOf).join(''));

function inline(n: N): string {
  if (n.type === 'text') return text(n.value);
  if (hidden(n)) return '';
  const kids = () => n.children.map(inline).join('');
  switch (n.tagName) {
    case 'a':
      return link(kids(), String(n.properties.href ?? ''));
    case 'strong':
    case 'b':
      return strong(kids());
    case 'em':
    case 'i':
      return em(kids());
    case 'code':
      return code(textOf(n));
    case 'br':
      return ' ';
    case 'svg':
    case 'script':
    case 'style':
      return '';
    default:
      return kids();
  }
}

/** A table cell's content on one line; a list in it reads as its items joined with semicolons. */
function cell(n: N): string {
  const list = is(n, 'ul', 'ol');
  if (list) return inlineList(list.children.filter((c) => is(c, 'li')).map(cell));
  const box = is(n, 'td', 'th', 'li', 'div', 'p');
  if (box && !hidden(box)) return box.children.map(cell).join('');
  return inline(n);
}

function rows(n: N, out: string[][] = []): string[][] {
  if (is(n, 'tr')) out.push((n as El).children.filter((c) => is(c, 'td', 'th')).map(cell));
  else if (n.type === 'element') for (const c of n.children) rows(c, out);
  return out;
}

function items(n: El): Item[] {
  return n.children
    .filter((c) => is(c, 'li'))
    .map((li) => {
      const inl: N[] = [];
      const blocks: Sub[] = [];
      for (const c of (li as El).children) {
        const tag = is(c, 'ul', 'ol', 'pre', 'p', 'h3')?.tagName;
        if (tag === 'ul' || tag === 'ol') blocks.push({ list: items(c as El), ordered: tag === 'ol' });
        else if (tag === 'pre') blocks.push({ fence: textOf(c) });
        else if (tag) blocks.push({ line: inline(c) });
        else inl.push(c);
      }
      return { text: inl.map(inline).join(''), blocks };
    });
}

const CONTAINERS = new Set(['div', 'section', 'nav', 'article', 'main', 'header', 'aside']);

function blocks(nodes: N[], out: string[]): string[] {
  for (const c of nodes) {
    if (c.type === 'text') out.push(clean(c.value));
    else if (hidden(c) || ['svg', 'script', 'style'].includes(c.tagName)) continue;
    else if (/^h[1-6]$/.test(c.tagName)) out.push(heading(Number(c.tagName[1]), inline(c)));
    else if (c.tagName === 'ul' || c.tagName === 'ol') out.push(list(items(c), c.tagName === 'ol'));
    else if (c.tagName === 'table') out.push(table(rows(c)));
    else if (c.tagName === 'pre') out.push(fence(textOf(c)));
    else if (CONTAINERS.has(c.tagName)) blocks(c.children, out);
    else out.push(clean(inline(c)));
  }
  return out;
}

/** The rehype plugin (lib/markdown-twins.ts adds it to both markdown pipelines). */
export function rehypeContentTwins() {
  return (root: unknown, vfile: unknown) => {
    const tree = root as HNode;
    const file = vfile as VFile;
    const values: unknown[] = [];
    const template = blocks(plain(tree, controlRefs(tree), values), [])
      .filter(Boolean)
      .join('\n\n');
    if (!file.path?.endsWith('.mdx')) {
      const astro = (file.data.astro ??= {});
      (astro.frontmatter ??= {}).markdownTwin = template;
      return;
    }
    let spec = path.relative(path.dirname(file.path), CONTENT_TWIN).split(path.sep).join('/');
    if (!spec.startsWith('.')) spec = `./${spec}`;
    const program = (body: unknown[]) => ({ type: 'Program', sourceType: 'module', body });
    const esm = program([
      { type: 'ImportDeclaration', attributes: [], specifiers: [{ type: 'ImportDefaultSpecifier', local: { type: 'Identifier', name: NAME } }], source: { type: 'Literal', value: spec } },
    ]);
    const list = program([{ type: 'ExpressionStatement', expression: { type: 'ArrayExpression', elements: values } }]);
    (tree.children ??= []).push(
      { type: 'mdxjsEsm', value: '', data: { estree: esm as Program } },
      {
        type: 'mdxJsxFlowElement',
        name: NAME,
        attributes: [
          { type: 'mdxJsxAttribute', name: 'template', value: template },
          { type: 'mdxJsxAttribute', name: 'values', value: { type: 'mdxJsxAttributeValueExpression', value: '', data: { estree: list as Program } } },
        ],
        children: [],
      },
    );
  };
}
