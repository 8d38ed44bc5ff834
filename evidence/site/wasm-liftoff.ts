/**
 * Astro's compiler is Go built to WebAssembly. V8 compiles each of its functions first with
 * Liftoff, its baseline compiler, and then recompiles the hot ones with TurboFan on background
 * threads. A site build runs the compiler for a few seconds, on a few dozen templates: the
 * recompilation costs more than the faster code gives back, the more so on a busy machine,
 * where those threads compete with the build itself (the 200-control site: about a second less
 * at a load of 9 on 2 cores). So the process that builds the site keeps to Liftoff.
 *
 * A speed trick (platform/kernel/switches.ts): TRUST_WASM_LIFTOFF=0 turns it off. The
 * compiler's output does not depend on which tier ran it (test/evidence/site-speed.test.ts
 * builds the site both ways and compares every byte). The flag is set before Astro loads its
 * compiler, so no WebAssembly is compiled before it, and it affects nothing else: the
 * compiler is the only WebAssembly the process runs.
 */
import v8 from 'node:v8';
import { trickEnabled } from '../../platform/kernel/switches.ts';

export function keepWasmToLiftoff(): void {
  if (trickEnabled('TRUST_WASM_LIFTOFF')) v8.setFlagsFromString('--liftoff-only');
}
