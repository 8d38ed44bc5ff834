/** Every benchmark, in the order they run (cheap ones first), listed explicitly. */
import type { Benchmark } from './types.ts';
import { cliStart } from './benchmarks/cli-start.ts';

export const BENCHMARKS: Benchmark[] = [cliStart];
