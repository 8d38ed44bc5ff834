/**
 * The reference of the site benchmarks: a bare Astro project of the same pages as our site,
 * at the same paths and of the same size in bytes, each rendered through one minimal
 * template (a text expression in an otherwise empty page). Plain 300-byte pages did not do
 * the same work: rendering, escaping and writing scale with the bytes of each page.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** The page around the text, as the template writes it; Astro puts the doctype in front. */
const DOCTYPE = '<!DOCTYPE html>';
const HEAD = '<html lang="en"><head><meta charset="utf-8"><title>Page</title></head><body><main>';
const TAIL = '</main></body></html>';
/** What a page weighs without its text, so that the text makes up the rest of our page's size. */
export const PAGE_OVERHEAD = DOCTYPE.length + HEAD.length + TAIL.length;

/** `pages`: the size in bytes of each of our pages, by path (`controls/x/index.html`, as buildSite reports them). */
export function writeBareAstroProject(dir: string, pages: Record<string, number>): void {
  mkdirSync(path.join(dir, 'src', 'pages'), { recursive: true });
  writeFileSync(path.join(dir, 'astro.config.mjs'), `export default { output: 'static', outDir: './dist', build: { format: 'directory' }, devToolbar: { enabled: false } };\n`);
  const sizes = Object.entries(pages).map(([file, bytes]) => [file.replace(/\/?index\.html$/, ''), Math.max(0, bytes - PAGE_OVERHEAD)]);
  writeFileSync(path.join(dir, 'src', 'sizes.json'), JSON.stringify(sizes));
  // ASCII text without a character Astro escapes: the text's length is its size in bytes.
  writeFileSync(
    path.join(dir, 'src', 'pages', '[...page].astro'),
    `---
import sizes from '../sizes.json';
export function getStaticPaths() {
  return sizes.map(([page, bytes]) => ({ params: { page: page || undefined }, props: { bytes } }));
}
const { bytes } = Astro.props;
const FILL = 'Every claim on this page is linked to the evidence that proves it. ';
const text = FILL.repeat(Math.ceil(bytes / FILL.length)).slice(0, bytes);
---
${HEAD}{text}${TAIL}
`,
  );
}
