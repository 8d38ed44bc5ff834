/**
 * site-build-200 / site-build-2000: our security site built from a synthetic bundle of
 * 200 and 2,000 controls, against a bare Astro build of the same pages (same paths, same
 * bytes each) through one minimal template (workloads/bare-astro.ts). Both build in a fresh
 * child process each time, timed from the Astro import.
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
  const env = { ASTRO_TELEMETRY_DISABLED: '1' };
  const script = 'test/bench/child/site-build.mjs';
  type Built = { ms: number; bytes: Record<string, number> };
  const total = (b: Record<string, number>) => Object.values(b).reduce((x, y) => x + y, 0);
  // The reference is made to the measure of our pages as our first build (measurePair runs ours first) wrote them.
  let ourPages: Record<string, number> | undefined;
  let refPages: Record<string, number> | undefined;
  // Astro builds are seconds long: a warm-up and three runs each keep the suite in budget.
  const repeats = ctx.smoke ? ctx.repeats : { warmup: 1, runs: 3 };
  const s = await measurePair(
    repeats,
    async () => {
      const r = await runTsChild<Built>(ctx.root, script, ['ours', bundlePath, path.join(dir, 'dist-ours')], env);
      ourPages ??= r.bytes;
      return r.ms;
    },
    async () => {
      if (!ourPages) throw new Error('site-build: the reference is sized from a build of ours, which has not run');
      if (!refPages) writeBareAstroProject(refRoot, ourPages);
      const r = await runTsChild<Built>(ctx.root, script, ['reference', refRoot], env);
      refPages = r.bytes;
      return r.ms;
    },
  );
  // The same pages, carrying the same bytes: else the reference is not the floor it claims to be.
  const [oursBytes, referenceBytes] = [total(ourPages!), total(refPages!)];
  if (Object.keys(refPages!).length !== Object.keys(ourPages!).length || Math.abs(referenceBytes - oursBytes) > oursBytes * 0.01)
    throw new Error(`site-build: the reference wrote ${Object.keys(refPages!).length} pages, ${referenceBytes} bytes; ours ${Object.keys(ourPages!).length}, ${oursBytes}`);
  const o = median(s.ours);
  const r = median(s.reference);
  const pages = Object.keys(ourPages!).length;
  return {
    ours: { value: round(o, 0), unit: 'ms' },
    reference: { name: `bare Astro build of the same ${pages} pages and ${round(oursBytes / 1024 / 1024, 1)} MB through one minimal template`, value: round(r, 0), unit: 'ms' },
    ratio: o / r,
    details: { controls, pages, oursBytes, referenceBytes, oursSamples: s.ours.map((x) => round(x, 0)), referenceSamples: s.reference.map((x) => round(x, 0)) },
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
