/**
 * The twins' fast HTML reader against parse5: it must build the tree parse5 builds or
 * decline (the page is then read by parse5). Pages here are written to hit the HTML
 * tree-construction rules the reader has to recognise; test/site/site.test.ts checks every
 * page of a real build the same way.
 */
import { describe, expect, it } from 'vitest';
import { fastParse, htmlToMarkdown } from '../../site/lib/markdown-twins.ts';

const page = (main: string) =>
  `<!DOCTYPE html><html lang="en"> <head><meta charset="utf-8"><title>T &amp; &lt;b&gt;</title><link rel="stylesheet" href="/a.css"></head> <body> <header><div class="evidence-bar"><p class="wrap">Evidence last verified <time datetime="x">2026-11-01 00:00 UTC</time> · catalog 1.0.0 · <a href="/x/index.md">View as markdown</a></p></div></header> <main id="main" class="wrap"><h1>Title</h1>${main}</main> <footer><p>Built from <code>sha256:ab</code>.</p></footer> </body></html>`;

async function both(html: string) {
  const fast = await htmlToMarkdown(html, '/x/', 'https://harborcloud.example');
  const slow = await htmlToMarkdown(html, '/x/', 'https://harborcloud.example', { parser: 'parse5' });
  return { fast, slow, read: fastParse(html) !== null };
}

describe('markdown twins: fast reader', () => {
  const readable: Record<string, string> = {
    'paragraphs, links, entities': `<p class="lead">A &amp; B &lt;c&gt; &quot;q&quot; &#39;s&#39; &#x2713; &nbsp;x <a href="/a/?x=1&amp;y=2">link</a> <strong>bold</strong> <em>em</em> <code>id.x<wbr>y</code></p>`,
    'tables with sections and whitespace': `<div class="scroll" role="region" aria-label="T" tabindex="0"> <table class="stack"> <thead><tr><th scope="col">A</th><th scope="col">B|C</th></tr></thead> <tbody> <tr> <td data-label="A"><span class="badge badge-live" data-status="live"><span aria-hidden="true">✓</span> Live</span></td> <td><ul><li>one</li><li>two</li></ul></td> </tr> </tbody> </table></div>`,
    'lists, nested lists, definition lists, pre': `<ul><li>a<ul><li>b</li></ul></li><li><p>c</p></li></ul><ol><li>x</li></ol><dl class="facts"><dt>K</dt><dd>V <code>v</code></dd></dl><pre>\nline 1\n  line 2</pre>`,
    'an svg chart and a comment': `<figure><svg viewBox="0 0 10 10" role="img" aria-labelledby="t d" xmlns="http://www.w3.org/2000/svg"><title id="t">Board</title><desc id="d">3 live</desc><g transform="translate(0 0)"><rect x="1" y="1" width="5" height="5"/><text x="1" y="2" font-size="3">3</text></g></svg></figure><!-- note --><p>after</p>`,
    'attributes: unquoted, single-quoted, repeated, boolean': `<p class=a  id='i' class="b" hidden>t</p><p data-x = "1">u</p>`,
  };
  for (const [name, main] of Object.entries(readable)) {
    it(`reads ${name} as parse5 does`, async () => {
      const r = await both(page(main));
      expect(r.read).toBe(true);
      expect(r.fast).toBe(r.slow);
    });
  }

  // HTML whose tree is not the tags as written: the reader declines and parse5 reads it.
  const declined: Record<string, string> = {
    'a block inside an open <p>': `<p>one<div>two</div>three</p>`,
    'an <li> closing the previous one': `<ul><li>a<li>b</ul>`,
    'a <tr> without a table section': `<table><tr><td>x</td></tr></table>`,
    'text fostered out of a table': `<table><tbody><tr><td>x</td></tr>stray</tbody></table>`,
    'an unknown named reference': `<p>&copy; 2026</p>`,
    'a bare ampersand': `<p>A & B</p>`,
    'misnested formatting': `<p><b><i>x</b>y</i></p>`,
    'a link inside a link': `<p><a href="/a">a<a href="/b">b</a></a></p>`,
    'a self-closing non-void element': `<p><span/>x</p>`,
    'a camel-case SVG element': `<figure><svg viewBox="0 0 1 1"><linearGradient id="g"></linearGradient><title>t</title></svg></figure>`,
    'a script': `<script>if (a < b) {}</script><p>x</p>`,
  };
  for (const [name, main] of Object.entries(declined)) {
    it(`declines ${name}, and the twin matches parse5's`, async () => {
      const r = await both(page(main));
      expect(r.read).toBe(false);
      expect(r.fast).toBe(r.slow);
    });
  }
});
