import path from 'node:path';
import { parseCommand } from '../args.ts';

const spec = {
  name: 'site',
  usage: 'site [--bundle out/bundle.json] [--out dist]',
  description:
    "Build the security site (Astro, static) from an evidence bundle and the files beside it, and the transparency log from its directory (TRUST_LOG_DIR, else .data/tlog; it must extend the checkpoint in the bundle's log/ receipt). Refuses, with exit code 1, when a control claimed live is not observed live.",
  options: {
    bundle: { type: 'string' as const, description: 'Evidence bundle (default out/bundle.json)' },
    out: { type: 'string' as const, description: 'Output directory (default dist)' },
  },
  examples: ['npx trust site', 'npx trust site --bundle test/fixtures/site/out/bundle.json --out /tmp/site'],
};

export async function run(argv: string[]): Promise<number> {
  const parsed = parseCommand(spec, argv);
  if (!parsed) return 0;
  const values = parsed.values as { bundle?: string; out?: string };
  const { buildSite, SiteRefusedError } = await import('../../site/build.ts');
  const bundlePath = path.resolve(values.bundle ?? 'out/bundle.json');
  const outDir = path.resolve(values.out ?? 'dist');
  const started = Date.now();
  try {
    const r = await buildSite({ bundlePath, outDir });
    const sizes = Object.values(r.bytes);
    const total = sizes.reduce((a, b) => a + b, 0);
    const largest = Object.entries(r.bytes).sort((a, b) => b[1] - a[1])[0];
    console.log(
      `site: ${r.pages} pages in ${path.relative(process.cwd(), outDir) || '.'} (${((Date.now() - started) / 1000).toFixed(1)} s), HTML ${(total / 1024).toFixed(0)} KiB in total, largest ${largest ? `${largest[0]} ${(largest[1] / 1024).toFixed(1)} KiB` : '-'}`,
    );
    console.log(`preview: npx astro preview --outDir ${path.relative(process.cwd(), outDir) || '.'}   (then open http://localhost:4321/)`);
    return 0;
  } catch (e) {
    if (e instanceof SiteRefusedError) {
      process.stderr.write(`trust site: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
}
