/**
 * pdf-report: our pdfkit renderer on the report of a 200-control catalog, against
 * Debian's Chromium printing the same content (our markdown report as HTML) with
 * `--headless --print-to-pdf`. Chromium's time is spawn to exit (that is how the
 * tool is used); ours is the render call in the CLI's process, pdfkit already loaded
 * by the warm-up run.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { measurePair, median, round, runChildOk, timeIt } from '../measure.ts';
import { realCatalog, syntheticBundle, syntheticChangelog } from '../workloads/catalog-bundle.ts';
import { markdownToHtml } from '../workloads/markdown-html.ts';
import { SkipBenchmark, type Benchmark } from '../types.ts';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const CHROMIUM_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

/** PDF page count from the page tree's /Count (enough for a sanity check of both outputs). */
function pageCount(pdf: Buffer): number {
  const counts = [...pdf.toString('latin1').matchAll(/\/Type\s*\/Pages[^>]*?\/Count\s+(\d+)|\/Count\s+(\d+)[^>]*?\/Type\s*\/Pages/g)].map((m) => Number(m[1] ?? m[2]));
  return counts.length ? Math.max(...counts) : 0;
}

export const pdfReport: Benchmark = {
  name: 'pdf-report',
  goal: { kind: '<=', value: 0.25 },
  async run(ctx) {
    if (!existsSync(CHROMIUM)) throw new SkipBenchmark(`Chromium not found at ${CHROMIUM} (install Debian's chromium or set CHROMIUM_PATH)`);
    const n = ctx.smoke ? 90 : 200;
    const bundle = syntheticBundle(n, await realCatalog(ctx));
    const input = { bundle, bundleSha256: 'b'.repeat(64), generatedAt: new Date('2026-11-01T00:00:00Z'), changelog: syntheticChangelog(bundle) };
    const [{ renderPdf }, { renderMarkdown }] = await Promise.all([import('../../../evidence/report/pdf.ts'), import('../../../evidence/report/markdown.ts')]);
    const dir = ctx.scratch('pdf-report');
    const htmlFile = path.join(dir, 'report.html');
    writeFileSync(htmlFile, markdownToHtml(renderMarkdown(input), `${bundle.catalog.organisation.name} trust report`));
    const chromePdf = path.join(dir, 'chromium.pdf');
    let ours: Buffer = Buffer.alloc(0);
    const s = await measurePair(
      ctx.repeats,
      () =>
        timeIt(async () => {
          ours = await renderPdf(input);
        }),
      async () =>
        (
          await runChildOk(CHROMIUM, [...CHROMIUM_FLAGS, `--user-data-dir=${path.join(dir, 'profile')}`, '--no-pdf-header-footer', `--print-to-pdf=${chromePdf}`, `file://${htmlFile}`], {
            timeoutMs: 300_000,
          })
        ).ms,
    );
    const refPdf = readFileSync(chromePdf);
    const oursPages = pageCount(ours);
    const refPages = pageCount(refPdf);
    if (!ours.subarray(0, 5).equals(Buffer.from('%PDF-')) || oursPages < 1) throw new Error('our renderer did not produce a PDF');
    if (refPages < 1) throw new Error('Chromium did not produce a PDF');
    const o = median(s.ours);
    const r = median(s.reference);
    return {
      ours: { value: round(o, 1), unit: 'ms' },
      reference: { name: 'chromium --headless --print-to-pdf (same content as HTML)', value: round(r, 1), unit: 'ms' },
      ratio: o / r,
      details: {
        controls: n,
        oursPages,
        referencePages: refPages,
        oursBytes: ours.length,
        referenceBytes: refPdf.length,
        oursSamples: s.ours.map((x) => round(x, 1)),
        referenceSamples: s.reference.map((x) => round(x, 1)),
      },
    };
  },
};
