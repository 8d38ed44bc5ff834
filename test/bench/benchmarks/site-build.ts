/**
 * site-build-200 / site-build-2000: our security site built from a synthetic bundle of
 * 200 and 2,000 controls, against a bare Astro project of the same number of plain
 * pages. Both build in a fresh child process each time, timed from the Astro import.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { measurePair, median, round } from '../measure.ts';
import { realCatalog, syntheticBundle, writeSignedBundle } from '../workloads/catalog-bundle.ts';
import { writeBareAstroProject } from '../workloads/bare-astro.ts';
import { runTsChild } from '../workloads/child.ts';
import type { Benchmark, BenchContext } from '../types.ts';

async function siteBuild(ctx: BenchContext, controls: number) {
  const dir = ctx.scratch(`site-${controls}`);
  const bundleDir = path.join(dir, 'evidence');
  mkdirSync(bundleDir);
  const bundlePath = await writeSignedBundle(bundleDir, syntheticBundle(controls, await realCatalog(ctx)));
  const refRoot = path.join(dir, 'bare-astro');
  writeBareAstroProject(refRoot, controls);
  const env = { ASTRO_TELEMETRY_DISABLED: '1' };
  const script = 'test/bench/child/site-build.mjs';
  // Astro builds are seconds long: a warm-up and three runs each keep the suite in budget.
  const repeats = ctx.smoke ? ctx.repeats : { warmup: 1, runs: 3 };
  const s = await measurePair(
    repeats,
    async () => (await runTsChild<{ ms: number }>(ctx.root, script, ['ours', bundlePath, path.join(dir, 'dist-ours')], env)).ms,
    async () => (await runTsChild<{ ms: number }>(ctx.root, script, ['reference', refRoot], env)).ms,
  );
  const o = median(s.ours);
  const r = median(s.reference);
  return {
    ours: { value: round(o, 0), unit: 'ms' },
    reference: { name: `bare Astro build of ${controls} plain pages`, value: round(r, 0), unit: 'ms' },
    ratio: o / r,
    details: { controls, oursSamples: s.ours.map((x) => round(x, 0)), referenceSamples: s.reference.map((x) => round(x, 0)) },
  };
}

export const siteBuild200: Benchmark = {
  name: 'site-build-200',
  goal: { kind: '<=', value: 1.3 },
  run: (ctx) => siteBuild(ctx, ctx.smoke ? 90 : 200),
};

export const siteBuild2000: Benchmark = {
  name: 'site-build-2000',
  goal: { kind: '<=', value: 1.3 },
  run: (ctx) => siteBuild(ctx, ctx.smoke ? 100 : 2000),
};
