/**
 * zod without its JIT, in the CLI's process (a speed trick; TRUST_ZOD_JITLESS=0 keeps the JIT).
 *
 * zod 4 compiles an object schema into a function (`new Function`) the first time it parses
 * with it, which pays off over many parses of one schema. A CLI run parses each schema once
 * or twice (each collector's facts, the bundle): compiling cost the gate about 0.1 s of CPU
 * at scale 100, more than parsing the same values with zod's interpreter. Both are zod's own
 * paths to the same result; test/evidence/zod-jitless.test.ts parses the facts of every
 * collector, the bundle and broken values both ways and compares results and issues.
 */
import { z } from 'zod';
import { trickEnabled } from '../../platform/kernel/switches.ts';

export function zodJitlessEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  return trickEnabled('TRUST_ZOD_JITLESS', env);
}

/** Applies the switch to zod's global configuration (read at each parse). */
export function configureZod(env: NodeJS.ProcessEnv = process.env): void {
  z.config({ jitless: zodJitlessEnabled(env) });
}
