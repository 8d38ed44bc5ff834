/**
 * The markdown twins' parts on small inputs: the rules every twin is written by
 * (site/lib/twins/markdown.ts), the twins of markdown and MDX pages made from their compiled
 * trees (twins/content.ts, through the same compilers Astro runs), the filling of what only
 * the render knows, the integration that writes them (and refuses a page without one), and
 * the comparison test/site/site.test.ts holds every built page and its twin to.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createMarkdownProcessor } from '@astrojs/markdown-remark';
import { createProcessor } from '@mdx-js/mdx';
import remarkGfm from 'remark-gfm';
import { facts, list, table } from '../../site/lib/twins/markdown.ts';
import { rehypeContentTwins } from '../../site/lib/twins/content.ts';
import { fillContent } from '../../site/lib/twins/frame.ts';
import { putTwin } from '../../site/lib/twins/registry.ts';
import { markdownTwins } from '../../site/lib/markdown-twins.ts';
import { twinProblems } from './twin-check.ts';

const M = (s: string) => `\uE000${s}\uE001`;

describe('markdown twins: the rules', () => {
  it('writes lists with nested lists, code and cards whose first line is a heading', () => {
    expect(
      list([
        { text: '', blocks: [{ line: '[Card](/c/)' }, { list: ['2 live'] }, { line: ' more  text ' }] },
        { text: 'plain', blocks: [{ fence: 'a\nb\n' }] },
      ]),
    ).toBe('- [Card](/c/)\n  - 2 live\n  more text\n- plain\n  ```\n  a\n  b\n  ```');
    expect(list(['x', 'y'], true)).toBe('1. x\n2. y');
  });

  it('writes tables with a header row, cells on one line and pipes escaped, and facts', () => {
    expect(table([['A', 'B'], ['x | y', 'two\nlines'], ['short']])).toBe('| A | B |\n| --- | --- |\n| x \\| y | two lines |\n| short |  |');
    expect(facts([['Status', '**live** observed']])).toBe('- **Status**: **live** observed');
  });
});

describe('markdown twins: markdown and MDX pages', () => {
  it("gives a markdown file's twin in its frontmatter, from the tree it compiles to", async () => {
    const md = await createMarkdownProcessor({ rehypePlugins: [rehypeContentTwins] });
    const source = [
      '## Purpose',
      "Who may reach *customer* data, and how it's **limited**: see [the site](/controls/) and `trust_app`.",
      '- one\n  - nested `a|b`\n- two',
      '1. first\n2. second',
      '| A | B |\n| --- | --- |\n| x \\| y | [l](/l/) |',
      '```\ncode line\n```',
      '<!-- a note for editors -->',
    ].join('\n\n');
    const r = await md.render(source, { fileURL: new URL('file:///x/policy.md') } as never);
    expect(r.metadata.frontmatter.markdownTwin).toBe(
      [
        '## Purpose',
        'Who may reach *customer* data, and how it’s **limited**: see [the site](/controls/) and `trust_app`.',
        '- one\n  - nested `a|b`\n- two',
        '1. first\n2. second',
        '| A | B |\n| --- | --- |\n| x \\| y | [l](/l/) |',
        '```\ncode line\n```',
      ].join('\n\n'),
    );
    await expect(md.render('Text with <b>html</b>.', { fileURL: new URL('file:///x/p.md') } as never)).rejects.toThrow(/HTML in a markdown page/);
  });

  it('hands an MDX page its twin through a component, with marks for control badges and expressions', async () => {
    let appended: { name?: string; attributes?: { value: unknown }[] } | undefined;
    const mdx = createProcessor({ remarkPlugins: [remarkGfm], rehypePlugins: [rehypeContentTwins, () => (tree: { children: (typeof appended)[] }) => void (appended = tree.children.at(-1))] });
    const source = [
      "import C from '../components/ControlRef.astro';\nimport T from '../components/ScrollTable.astro';\nexport const n = 3;",
      '<p class="lead">Lead with <C id="a_control" />.</p>',
      '## Part',
      "Email <a href={`mailto:${'x@y'}`}>{'x@y'}</a> within {n} day{n === 1 ? '' : 's'}.",
      '<T label="t">\n\n| What | Control |\n| --- | --- |\n| thing | <C id="b_control">custom</C> |\n\n</T>',
    ].join('\n\n');
    const out = String(await mdx.process({ value: source, path: path.resolve('site/pages/sample.mdx') }));
    expect(out).toContain('import __TrustContentTwin from "../components/ContentTwin.astro";');
    expect(appended?.name).toBe('__TrustContentTwin');
    const [template, values] = appended!.attributes!.map((a) => a.value) as [string, { data: { estree: { body: { expression: { elements: unknown[] } }[] } } }];
    expect(template).toBe(
      [
        `Lead with [${M('t:a_control')}](/controls/a_control/) ${M('b:a_control')}.`,
        '## Part',
        `Email [${M('1')}](${M('0')}) within ${M('2')} day${M('3')}.`,
        `| What | Control |\n| --- | --- |\n| thing | [custom](/controls/b_control/) ${M('b:b_control')} |`,
      ].join('\n\n'),
    );
    expect(values.data.estree.body[0]!.expression.elements).toHaveLength(4);
    // The render fills the expressions' marks with their values, as Astro prints them.
    expect(fillContent(`Email [${M('1')}](${M('0')}) within ${M('2')} day${M('3')}${M('4')}.`, ['mailto:x@y', 'x@y', 3, 's', false])).toBe('Email [x@y](mailto:x@y) within 3 days.');
  });
});

describe('markdown twins: the integration', () => {
  it('writes each twin at index.md, index.html.md and <dir>.md as it is whole, and refuses a build in which a page has none', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'trust-twins-'));
    try {
      const hooks = markdownTwins().hooks as Record<string, (o: unknown) => unknown>;
      hooks['astro:config:done']!({ config: { outDir: pathToFileURL(dir + path.sep) } });
      hooks['astro:build:start']!({});
      putTwin('/', { head: '# Home', body: '' });
      putTwin('/a/', { body: 'Text.' });
      putTwin('/a/', { head: '# A' }); // parts arrive in either order
      putTwin('/b/', { head: '# B' }); // an MDX page whose content never handed its body over
      expect(() => putTwin('/a/', { head: '# A' })).toThrow('markdown twin: /a/ was rendered twice');
      const pages = ['index.html', 'a/index.html', 'b/index.html', 'c/index.html'].map((f) => pathToFileURL(path.join(dir, f)));
      await expect(hooks['astro:build:done']!({ dir: pathToFileURL(dir + path.sep), assets: new Map([['/x', pages]]), logger: { info() {} } })).rejects.toThrow('markdown twins: no twin for /b/, /c/');
      expect(readFileSync(path.join(dir, 'index.md'), 'utf8')).toBe('# Home\n');
      expect(readFileSync(path.join(dir, 'index.html.md'), 'utf8')).toBe('# Home\n');
      for (const f of ['a/index.md', 'a/index.html.md', 'a.md']) expect(readFileSync(path.join(dir, f), 'utf8')).toBe('# A\n\nText.\n');
      expect(existsSync(path.join(dir, 'b/index.md'))).toBe(false);
      // Outside a build, nothing is kept.
      putTwin('/d/', { head: '# D', body: '' });
      expect(existsSync(path.join(dir, 'd'))).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('markdown twins: a page against its twin', () => {
  const page = { words: ' Title  Status  Live  observed; see  Rows  ', drawn: '', links: ['/controls/x/'], badges: [{ status: 'live', control: 'x' }] };
  const twin = '# Title\n\n> Evidence last verified now\n\n- **Status**: **live** observed; see [Rows](/controls/x/)\n';

  it('finds nothing between a page and a faithful twin', () => {
    expect(twinProblems(page, twin)).toEqual([]);
  });

  it('finds a missing link, a missing badge, a word the twin lacks and one it adds', () => {
    expect(twinProblems(page, twin.replace('(/controls/x/)', '(/controls/y/)'))).toEqual([
      'the page links /controls/x/, the twin does not',
      'the twin links /controls/y/, the page does not',
      'the badge of x is not about a control the twin names',
    ]);
    expect(twinProblems(page, twin.replace('**live**', 'live'))).toEqual(['1 live badges on the page, 0 in the twin']);
    expect(twinProblems(page, twin.replace('Rows', 'Lines'))).toEqual(['"rows": 1 on the page, 0 in the twin', '"lines": 1 in the twin, 0 on the page']);
    expect(twinProblems({ ...page, badges: [{ status: 'live', control: 'z' }] }, twin)).toEqual(['the badge of z is not about a control the twin names']);
  });
});
