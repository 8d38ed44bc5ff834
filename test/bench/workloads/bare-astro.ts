/** A bare Astro project of N plain pages: the floor any static site build of N pages pays. */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export function writeBareAstroProject(dir: string, pages: number): void {
  mkdirSync(path.join(dir, 'src', 'pages', 'controls'), { recursive: true });
  writeFileSync(path.join(dir, 'astro.config.mjs'), `export default { output: 'static', outDir: './dist', build: { format: 'directory' }, devToolbar: { enabled: false } };\n`);
  writeFileSync(
    path.join(dir, 'src', 'pages', 'index.astro'),
    `---\nconst n = ${pages};\n---\n<html lang="en"><head><meta charset="utf-8"><title>Controls</title></head><body><h1>{n} controls</h1></body></html>\n`,
  );
  writeFileSync(
    path.join(dir, 'src', 'pages', 'controls', '[id].astro'),
    `---
export function getStaticPaths() {
  return Array.from({ length: ${pages} }, (_, i) => ({ params: { id: 'control-' + i }, props: { i } }));
}
const { i } = Astro.props;
---
<html lang="en"><head><meta charset="utf-8"><title>Control {i}</title></head>
<body><h1>Control {i}</h1><p>A plain page with a heading and a paragraph of text for control number {i}.</p></body></html>
`,
  );
}
