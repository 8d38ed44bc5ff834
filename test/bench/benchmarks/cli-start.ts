/**
 * cli-start: `node evidence/cli/bin.mjs --help` against `node -e 0`, timed from spawn
 * to exit like hyperfine does. npx is left out: it adds its own start-up, not ours.
 */
import path from 'node:path';
import { measurePair, median, round, runChildOk } from '../measure.ts';
import type { Benchmark } from '../types.ts';

export const cliStart: Benchmark = {
  name: 'cli-start',
  goal: { kind: '<=', value: 2.5 },
  async run(ctx) {
    const bin = path.join(ctx.root, 'evidence', 'cli', 'bin.mjs');
    const node = process.execPath;
    // Start-up is short and noisy: many runs make the median meaningful.
    const repeats = ctx.smoke ? { warmup: 1, runs: 3 } : { warmup: 3, runs: 21 };
    const env = { ...process.env, NODE_OPTIONS: '' };
    const s = await measurePair(
      repeats,
      async () => (await runChildOk(node, [bin, '--help'], { cwd: ctx.root, env })).ms,
      async () => (await runChildOk(node, ['-e', '0'], { cwd: ctx.root, env })).ms,
    );
    const ours = median(s.ours);
    const ref = median(s.reference);
    return {
      ours: { value: round(ours, 1), unit: 'ms' },
      reference: { name: 'node -e 0', value: round(ref, 1), unit: 'ms' },
      ratio: ours / ref,
      details: { runs: repeats.runs, oursSamples: s.ours.map((x) => round(x, 1)), referenceSamples: s.reference.map((x) => round(x, 1)) },
    };
  },
};
