/**
 * A plain markdown twin of every built page, at `index.md` beside its `index.html` and at
 * the paths llmstxt.org names (`index.html.md`, and `<dir>.md`). A twin is rendered from the
 * data and the source the page itself is rendered from, never read back from its HTML: the
 * layout takes each page's twin as the page renders (site/lib/pages/*), the markdown and
 * MDX pages' twins come from their compiled trees (twins/content.ts), and each is written
 * as soon as it is whole (twins/registry.ts). When the build is done, this integration
 * refuses it if a page it rendered has no twin.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AstroIntegration } from 'astro';
import { rehypeContentTwins } from './twins/content.ts';
import { endTwins, startTwins } from './twins/registry.ts';

export function markdownTwins(): AstroIntegration {
  let outDir = '';
  return {
    name: 'markdown-twins',
    hooks: {
      'astro:config:setup': ({ updateConfig }) => {
        // Markdown files and, through @astrojs/mdx's extension of the markdown config, MDX.
        updateConfig({ markdown: { rehypePlugins: [rehypeContentTwins] } });
      },
      'astro:config:done': ({ config }) => {
        outDir = fileURLToPath(config.outDir);
      },
      'astro:build:start': () => {
        startTwins(outDir);
      },
      'astro:build:done': async ({ dir, assets, logger }) => {
        const written = await endTwins();
        // The pages this build rendered, as Astro reports them (not whatever else the output directory holds).
        const out = fileURLToPath(dir);
        const pages = [...assets.values()]
          .flat()
          .map((u) => fileURLToPath(u))
          .filter((f) => path.basename(f) === 'index.html' && f.startsWith(out))
          .map((f) => {
            const rel = path.relative(out, path.dirname(f)).split(path.sep).join('/');
            return rel ? `/${rel}/` : '/';
          });
        const missing = pages.filter((p) => !written.has(p));
        if (missing.length) throw new Error(`markdown twins: no twin for ${missing.join(', ')} (a page passes its twin to the layout: <Layout twin={...}>)`);
        logger.info(`wrote ${pages.length} markdown twins`);
      },
    },
  };
}
