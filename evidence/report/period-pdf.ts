/**
 * period.pdf: the audit period section (trust period), a rendering of period.json and
 * nothing else. It states what the engine found (evidence/history/period.ts); it decides
 * nothing. Deterministic: the document dates are the period's judged-until instant, so two
 * calls over the same log give the same bytes.
 */
import type { PeriodReport } from '../history/period.ts';
import { patchDocument, pdfkitPatchesEnabled } from './pdfkit-patches.ts';

const MARGIN = 50;
// The standard fonts encode WinAnsi only: keep text to printable ASCII.
const ascii = (s: string): string => s.replace(/[\u2013\u2014]/g, '-').replace(/[^\x20-\x7e\n]/g, '?');
const hours = (s: number): string => (s >= 86_400 ? `${(s / 86_400).toFixed(1)} d` : `${(s / 3600).toFixed(1)} h`);

export async function renderPeriodPdf(p: PeriodReport, organisation = 'Harbor Cloud'): Promise<Buffer> {
  const { default: PDFDocument } = await import('pdfkit');
  const at = new Date(p.period.judgedUntil);
  const doc = new PDFDocument({
    size: 'A4',
    margins: { top: MARGIN, bottom: MARGIN, left: MARGIN, right: MARGIN },
    autoFirstPage: true,
    pdfVersion: '1.7',
    info: {
      Title: `${organisation} audit period ${p.period.from.slice(0, 10)} to ${p.period.to.slice(0, 10)}`,
      Author: organisation,
      Subject: 'Audit period from the transparency log',
      Keywords: `population-sha256:${p.population.sha256}`,
      CreationDate: at,
      ModDate: at,
    },
  });
  // The report's width cache and batched writes (pdfkit-patches.ts, TRUST_PDFKIT_PATCHES): the same bytes, a third of the time.
  if (pdfkitPatchesEnabled()) patchDocument(doc);
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const ended = new Promise<void>((resolve, reject) => {
    doc.on('end', () => resolve());
    doc.on('error', reject);
  });
  const width = doc.page.width - 2 * MARGIN;
  const h = (t: string, size = 14) => doc.moveDown(0.6).font('Helvetica-Bold').fontSize(size).fillColor('#12324a').text(ascii(t), { width });
  const para = (t: string, o: { size?: number; color?: string; font?: string } = {}) =>
    doc
      .font(o.font ?? 'Helvetica')
      .fontSize(o.size ?? 9.5)
      .fillColor(o.color ?? '#111111')
      .text(ascii(t), { width });

  h(`${organisation}: audit period`, 20);
  para(`Period ${p.period.from} to ${p.period.to} (judged until ${p.period.judgedUntil}).`);
  para(
    `Read from the transparency log ${p.log.origin} at its signed checkpoint of size ${p.log.size}, root ${p.log.root}. Every figure below is derived from the log's entries; every failing run and sampled run carries an inclusion proof in period.json (npx trust log prove --leaf N).`,
  );
  para(`Population: ${p.population.runs} runs, SHA-256 ${p.population.sha256}.`, { font: 'Courier', size: 8 });
  if (p.simulatedNote) para(`SIMULATED: ${p.simulatedNote}.`, { font: 'Helvetica-Bold', color: '#b00020' });
  para(`${p.summary.operatedThroughout} of ${p.summary.controls} controls operated throughout the period; ${p.summary.withExceptions} have exceptions.`, { font: 'Helvetica-Bold' });

  h('Controls');
  for (const c of p.controls) {
    para(`${c.id}  -  ${c.operatedThroughout ? 'operated throughout the period' : `${c.exceptions.length} exception(s)`}`, {
      font: 'Helvetica-Bold',
      color: c.operatedThroughout ? '#1b5e20' : '#b00020',
    });
    para(
      `claimed ${c.claimed}; ${c.evaluations} evaluations, ${c.passed} passed (pass rate ${c.passRate === null ? '-' : (c.passRate * 100).toFixed(2) + '%'}); first ${c.first?.at ?? '-'}, last ${c.last?.at ?? '-'}; longest gap ${c.longestGap ? `${hours(c.longestGap.seconds)} (${c.longestGap.from} to ${c.longestGap.to})` : '-'}; maximum evidence age ${hours(c.maxAgeSeconds)}; catalog ${c.catalogVersions.map((v) => v.catalogVersion).join(', ')}.`,
      { size: 8.5 },
    );
    for (const e of c.exceptions) para(`  - ${e.kind}: ${e.description}${e.run ? ` [bundle ${e.run.bundleSha256}, entry ${e.run.leafIndex}]` : ''}`, { size: 8, color: '#b00020' });
  }

  if (p.sample.length) {
    h(`Sample of ${p.sampleSize} runs (seed ${JSON.stringify(p.sampleSeed)})`);
    para('Drawn as the runs with the smallest SHA-256(seed, newline, bundle digest, newline, log entry): anyone can redraw it from the population.', { size: 8.5 });
    for (const s of p.sample) para(`${s.at}  entry ${s.leafIndex}  ${s.bundleSha256}${s.simulated ? '  (simulated)' : ''}`, { font: 'Courier', size: 7.5 });
  }
  doc.end();
  await ended;
  return Buffer.concat(chunks);
}
