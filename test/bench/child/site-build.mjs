/**
 * Child process for the site benchmarks: one Astro build, timed from before Astro is
 * imported to the end of the build, printed as { ms, bytes } on the last stdout line (bytes:
 * the size of each HTML page written, by path, which sizes the reference's pages). Each
 * build gets a fresh process. Plain JavaScript, so that neither side pays for a
 * TypeScript loader: ours runs the compiled bundle, as `trust site` does, and the
 * reference is Astro alone.
 *
 * Usage: node test/bench/child/site-build.mjs ours <bundle.json> <outDir>
 *        node test/bench/child/site-build.mjs reference <projectRoot>
 */
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { bundleDir, setRunningBundle } from '../../../evidence/cli/bundle.mjs';

const [mode, a, b] = process.argv.slice(2);
let t0;
let bytes;
if (mode === 'ours') {
  // Checked (or built) before the clock starts, as an installed CLI's bundle would be.
  const dir = await bundleDir();
  if (!dir) throw new Error('the CLI bundle could not be built (see evidence/cli/bundle.mjs)');
  setRunningBundle(dir);
  t0 = performance.now();
  const { buildSite } = await import(pathToFileURL(path.join(dir, 'site-build.js')).href);
  ({ bytes } = await buildSite({ bundlePath: a, outDir: b }));
} else {
  t0 = performance.now();
  const { build } = await import('astro');
  await build({ root: a, logLevel: 'error' });
}
const ms = performance.now() - t0;
if (!bytes) {
  // Read after the clock stops: buildSite counts its own pages inside its time, the reference does not pay for this.
  const dist = path.join(a, 'dist');
  bytes = {};
  for (const e of readdirSync(dist, { withFileTypes: true, recursive: true }))
    if (e.isFile() && e.name.endsWith('.html')) bytes[path.relative(dist, path.join(e.parentPath, e.name)).split(path.sep).join('/')] = statSync(path.join(e.parentPath, e.name)).size;
}
// Astro may leave handles open (file watchers, workers): exit once the figure is out (a line
// longer than a pipe's buffer is written in parts, which an immediate exit would cut).
process.stdout.write(JSON.stringify({ ms, bytes }) + '\n', () => process.exit(0));
