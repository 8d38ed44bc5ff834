// The security site: static pages built from the evidence bundle named by TRUST_BUNDLE
// (default out/bundle.json). No client JavaScript: filters are static pages.
// evidence/site/build.ts runs this programmatically and refuses to build when a
// claimed-live control is not observed live.
import { defineConfig } from 'astro/config';
import mdx from '@astrojs/mdx';
import { markdownTwins } from './site/lib/markdown-twins.ts';
import { sharedEngine } from './site/lib/shared-engine.ts';

/**
 * The server bundle of a static build only runs once, to prerender the pages, and is
 * deleted afterwards: tree-shaking it (Rollup's include/side-effect analysis of every
 * module for every page entry) costs build time and saves nothing. Client bundles, if
 * the site ever has any, are still tree-shaken.
 */
const noServerTreeshake = {
  name: 'trust-evidence:no-server-treeshake',
  apply: 'build',
  config(_config, env) {
    if (env.isSsrBuild) return { build: { rollupOptions: { treeshake: false } } };
  },
};

export default defineConfig({
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
});
