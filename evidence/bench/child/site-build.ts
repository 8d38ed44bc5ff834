/**
 * Child process for the site benchmarks: one Astro build, timed from before Astro is
 * imported to the end of the build, printed as { ms } on the last stdout line. Each
 * build gets a fresh process, as `trust site` would.
 *
 * Usage: node --import tsx evidence/bench/child/site-build.ts ours <bundle.json> <outDir>
 *        node --import tsx evidence/bench/child/site-build.ts reference <projectRoot>
 */
import { performance } from 'node:perf_hooks';

const [mode, a, b] = process.argv.slice(2);
const t0 = performance.now();
if (mode === 'ours') {
  const { buildSite } = await import('../../site/build.ts');
  await buildSite({ bundlePath: a, outDir: b });
} else {
  const { build } = await import('astro');
  await build({ root: a, logLevel: 'error' });
}
const ms = performance.now() - t0;
process.stdout.write(JSON.stringify({ ms }) + '\n');
// Astro may leave handles open (file watchers, workers); the figure is taken.
process.exit(0);
