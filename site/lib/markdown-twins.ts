/**
 * A plain markdown twin of every built page, at `index.md` beside its `index.html` and at
 * the paths llmstxt.org names (`index.html.md`, and `<dir>.md`). A twin is rendered from the
 * data and the source the page itself is rendered from, never read back from its HTML: the
 * layout takes each page's twin as the page renders (site/lib/pages/*), the markdown and
 * MDX pages' twins come from their compiled trees (twins/content.ts), and this integration
 * writes them when the build is done, refusing a build in which a page has none.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AstroIntegration } from 'astro';
import { rehypeContentTwins } from './twins/content.ts';
import { endTwins, startTwins, twinText } from './twins/registry.ts';

export function markdownTwins(): AstroIntegration {
  let twins = new Map<string, { head?: string; body?: string }>();
  return {
    name: 'markdown-twins',
    hooks: {
      'astro:config:setup': ({ updateConfig }) => {
        // Markdown files and, through @astrojs/mdx's extension of the markdown config, MDX.
        updateConfig({ markdown: { rehypePlugins: [rehypeContentTwins] } });
      },
      'astro:build:start': () => {
        twins = startTwins();
      },
      'astro:build:done': ({ dir, assets, logger }) => {
        // The pages this build rendered, as Astro reports them (not whatever else the output directory holds).
        const outDir = fileURLToPath(dir);
        const pages = [...assets.values()]
          .flat()
          .map((u) => fileURLToPath(u))
          .filter((f) => path.basename(f) === 'index.html' && f.startsWith(outDir));
        const missing: string[] = [];
        // Plain synchronous writes: for thousands of small files they cost a fraction of the
        // same work sent through libuv's thread pool.
        for (const file of pages) {
          const rel = path.relative(outDir, path.dirname(file)).split(path.sep).join('/');
          const twin = twins.get(rel ? `/${rel}/` : '/');
          if (twin?.head === undefined || twin.body === undefined) {
            missing.push(rel ? `/${rel}/` : '/');
            continue;
          }
          const md = twinText({ head: twin.head, body: twin.body });
          writeFileSync(`${file.slice(0, -'.html'.length)}.md`, md);
          // Also where llmstxt.org says agents look: `index.html.md` for a directory URL, and
          // `<url>.md` for the page's URL without its trailing slash (/controls/x.md).
          writeFileSync(`${file}.md`, md);
          if (rel) writeFileSync(`${path.dirname(file)}.md`, md);
        }
        endTwins();
        if (missing.length) throw new Error(`markdown twins: no twin for ${missing.join(', ')} (a page passes its twin to the layout: <Layout twin={...}>)`);
        logger.info(`wrote ${pages.length} markdown twins`);
      },
    },
  };
}
