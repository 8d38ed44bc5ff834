/**
 * The evidence engine the pages use, taken from the process that builds them (a speed trick,
 * off with TRUST_SITE_SHARED_ENGINE=0). The site reads the engine through one module,
 * evidence/contract.ts; evidence/site/build.ts, which runs Astro in its own process, has that
 * module loaded already and hands it over. Vite then bundles a module that re-exports the
 * handed one instead of compiling and bundling the engine a second time: some 25 modules,
 * about a quarter of what Rollup bundles for the site beside Astro's own runtime. Same code,
 * same process, so the same pages: test/evidence/site-speed.test.ts compares every byte of a
 * site built with the trick and without. A plain `astro build` hands nothing over and
 * compiles the contract as usual.
 */
import path from 'node:path';
import type { AstroUserConfig } from 'astro';

/** A Vite plugin as Astro's own Vite takes it (the repository also holds vitest's Vite). */
export type VitePlugin = Extract<NonNullable<NonNullable<AstroUserConfig['vite']>['plugins']>[number], { name: string }>;

const HANDED = Symbol.for('trust-evidence.site.contract');
const ID = '\0trust-evidence:shared-contract';

const handed = () => (globalThis as Record<symbol, Record<string, unknown> | undefined>)[HANDED];

/** For evidence/site/build.ts: the contract module, or undefined to let Vite compile it. */
export function handEngine(contract: Record<string, unknown> | undefined): void {
  (globalThis as Record<symbol, unknown>)[HANDED] = contract;
}

export function sharedEngine(): VitePlugin {
  let contract = '';
  return {
    name: 'trust-evidence:shared-engine',
    apply: 'build',
    enforce: 'pre',
    configResolved(config: { root: string }) {
      contract = path.join(config.root, 'evidence', 'contract.ts');
    },
    resolveId(source: string, importer: string | undefined) {
      if (!handed() || !importer || !source.endsWith('contract.ts')) return null;
      return path.resolve(path.dirname(importer), source) === contract ? ID : null;
    },
    load(id: string) {
      if (id !== ID) return null;
      const names = Object.keys(handed()!).filter((n) => n !== 'default' && /^[A-Za-z_$][\w$]*$/.test(n));
      return `const engine = globalThis[Symbol.for('trust-evidence.site.contract')];\nexport const { ${names.join(', ')} } = engine;\n`;
    },
  };
}
