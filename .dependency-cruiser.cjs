/**
 * The walls between the layers (README "Layout"; issue 18 item 1), checked by
 * test/walls.test.ts in `npm test`. Bottom to top:
 *
 *   platform (its kernel, platform/kernel/, is usable by every layer)
 *   collectors   observe: import platform only, never the layer that judges them
 *   controls     judge: import only the *types* of the facts they judge
 *   evidence     builds on all of them
 *   site         renders the published bundle contract (evidence/contract.ts) only
 *
 * Beside them, test/bench/ (the benchmark suite, `npm run bench`) may import every layer, and
 * nothing outside test/ may import it: it is developer tooling, not shipped behaviour.
 *
 * A deliberate exception is a `pathNot` on the rule, with its reason beside it.
 * `.astro` files are not parsed by dependency-cruiser: test/walls.test.ts applies the site
 * rule to their imports itself.
 */
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'platform-is-the-floor',
      comment: 'platform/ is the control plane the others observe, judge and render: it imports nothing above it.',
      severity: 'error',
      from: { path: '^platform/' },
      to: { path: '^(collectors|controls|evidence|site)/' },
    },
    {
      name: 'kernel-is-self-contained',
      comment: 'Every layer may import platform/kernel/, so it imports nothing else of the repository (or the walls would leak through it).',
      severity: 'error',
      from: { path: '^platform/kernel/' },
      to: { path: '^(platform|collectors|controls|evidence|site)/', pathNot: '^platform/kernel/' },
    },
    {
      name: 'collectors-observe-only',
      comment: 'Collectors import platform only: never controls (they would start judging), evidence or site.',
      severity: 'error',
      from: { path: '^collectors/' },
      to: {
        path: '^(controls|evidence|site)/',
        pathNot: [
          // The disclosure collector observes security.txt exactly as the site serves it, so it
          // renders it with the site's own renderer (a pure function of the organisation block):
          // a second renderer here could agree with the check and differ from the site.
          '^site/lib/security-txt\\.ts$',
          // The witness collector observes the transparency log, which lives outside the
          // database by design and whose reader is evidence/tlog/ (the gate appends to it
          // after signing). Reading it through that one reader keeps a single parser of the log.
          '^evidence/tlog/',
        ],
      },
    },
    {
      name: 'checks-judge-fact-types',
      comment: 'controls/ judges collected facts: it may name their types (import type) but runs no collector code.',
      severity: 'error',
      from: { path: '^controls/' },
      to: { path: '^collectors/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'controls-below-evidence',
      comment: 'The catalog and its checks are judged data and pure judgement: they import neither evidence nor the site.',
      severity: 'error',
      from: { path: '^controls/' },
      to: { path: '^(evidence|site)/' },
    },
    {
      name: 'evaluation-without-io',
      comment: 'Evaluation reads only collected facts: no database driver, no TypeScript program, no network (style: three phases).',
      severity: 'error',
      from: { path: '^controls/checks/' },
      to: { path: '(^|/)node_modules/(pg|pg-copy-streams|ts-morph|typescript)/|^(node:)?(net|tls|http|https|child_process)$' },
    },
    {
      name: 'site-reads-the-contract',
      comment: 'The site renders the published bundle contract only (evidence/contract.ts) and the kernel.',
      severity: 'error',
      from: { path: '^site/' },
      to: { path: '^(platform|collectors|controls|evidence)/', pathNot: '^(evidence/contract\\.ts|platform/kernel/)' },
    },
    {
      name: 'bench-is-developer-tooling',
      comment: 'The benchmarks (test/bench/) measure every layer and ship with none: nothing outside test/ imports them.',
      severity: 'error',
      from: { pathNot: '^test/' },
      to: { path: '^test/bench/' },
    },
  ],
  options: {
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|out|dist|\\.data|\\.astro)/' },
  },
};
