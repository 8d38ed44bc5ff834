/**
 * The security site's Astro configuration: static pages built from the evidence bundle named
 * by TRUST_BUNDLE (default out/bundle.json), no client JavaScript (filters are static pages).
 * One configuration for both ways the site is built: astro.config.mjs gives it to `astro
 * build` and `astro dev`, and evidence/site/build.ts hands it to Astro inline. A
 * configuration file that imports TypeScript can only be loaded by Astro through a Vite
 * server of its own, which cost each build about 0.7 s (a speed trick there:
 * TRUST_SITE_INLINE_CONFIG=0 loads the file instead).
 */
import type { AstroUserConfig } from 'astro';
import { markdownTwins } from './lib/markdown-twins.ts';
import { sharedEngine, type VitePlugin } from './lib/shared-engine.ts';

/**
 * The server bundle of a static build only runs once, to prerender the pages, and is
 * deleted afterwards: tree-shaking it (Rollup's include/side-effect analysis of every
 * module for every page entry) costs build time and saves nothing. Client bundles, if
 * the site ever has any, are still tree-shaken.
 */
const noServerTreeshake: VitePlugin = {
  name: 'trust-evidence:no-server-treeshake',
  apply: 'build',
  config(_config: unknown, env: { isSsrBuild?: boolean }) {
    if (env.isSsrBuild) return { build: { rollupOptions: { treeshake: false } } };
  },
};

/** Async: @astrojs/mdx loads Astro's compiler, which evidence/site/build.ts must find unloaded (wasm-liftoff.ts). */
export async function siteConfig(): Promise<AstroUserConfig> {
  const { default: mdx } = await import('@astrojs/mdx');
  return {
    site: 'https://harborcloud.example',
    srcDir: './site',
    outDir: './dist',
    publicDir: './site/public',
    output: 'static',
    trailingSlash: 'always',
    // Pages render while earlier ones are still being written: with one page at a time the
    // build mostly waits on the file system (thousands of small writes through libuv).
    build: { format: 'directory', inlineStylesheets: 'never', concurrency: 8 },
    compressHTML: true,
    // The pages carry no code blocks: no Shiki highlighter to load and run on every MDX file.
    markdown: { syntaxHighlight: false },
    devToolbar: { enabled: false },
    vite: { plugins: [noServerTreeshake, sharedEngine()] },
    integrations: [mdx(), markdownTwins()],
  };
}
