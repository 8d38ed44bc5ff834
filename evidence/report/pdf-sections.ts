/**
 * Parts of the report drawn by functions of their own: the audit period section and the
 * status bar chart.
 */
import { STATUS_ORDER } from './model.ts';
import type { PeriodReport } from '../history/period.ts';
import { F } from './pdf-fonts.ts';
import { COLORS, MARGIN, pdfText, type Writer } from './pdf-writer.ts';

/**
 * The audit period section (trust report --from --to): what `trust period` computed from the
 * transparency log, printed as it is. Per control: evaluations, pass rate, longest gap and
 * whether it operated throughout the period; then every exception, as an auditor's list.
 */
export function periodSection(w: Writer, p: PeriodReport, number: number): void {
  const day = (iso: string) => iso.slice(0, 10);
  const hours = (s: number) => (s >= 86_400 ? `${(s / 86_400).toFixed(1)} d` : `${(s / 3600).toFixed(1)} h`);
  w.doc.addPage();
  w.heading(`${number}. Audit period ${day(p.period.from)} to ${day(new Date(Date.parse(p.period.to) - 1).toISOString())}`, 1, 'period');
  w.para(
    `Period ${p.period.from} to ${p.period.to}, judged until ${p.period.judgedUntil}. Read from the transparency log ${p.log.origin} at its signed checkpoint of size ${p.log.size}; the population is the ${p.population.runs} runs of the period (SHA-256 ${p.population.sha256}). npx trust period --from ${day(p.period.from)} --to ${day(new Date(Date.parse(p.period.to) - 1).toISOString())}${p.sampleSeed !== null ? ` --sample ${p.sampleSize} --seed ${p.sampleSeed}` : ''} writes the same figures with every inclusion proof (period.json).`,
  );
  if (p.simulatedNote) w.para(`SIMULATED: ${p.simulatedNote}.`, { font: F.bold, color: COLORS.bad });
  w.para(
    `${p.summary.operatedThroughout} of ${p.summary.controls} controls operated throughout the period (evaluated, no failing run, no gap longer than their maximum evidence age); ${p.summary.withExceptions} have exceptions.`,
    { font: F.bold },
  );
  w.table(
    [
      { header: 'Control', width: 2.2 },
      { header: 'Evaluations', width: 0.8 },
      { header: 'Pass rate', width: 0.7 },
      { header: 'Longest gap', width: 0.8 },
      { header: 'Throughout', width: 1.1 },
    ],
    p.controls.map((c) => [
      c.id,
      String(c.evaluations),
      c.passRate === null ? '-' : `${(c.passRate * 100).toFixed(2)}%`,
      c.longestGap ? hours(c.longestGap.seconds) : '-',
      c.operatedThroughout ? 'yes' : `${c.exceptions.length} exception(s)`,
    ]),
    7.5,
  );
  const exceptions = p.controls.flatMap((c) =>
    c.exceptions.map((e) => `${c.id}: ${e.kind}: ${e.description}${e.run ? ` (bundle ${e.run.bundleSha256}, log entry ${e.run.leafIndex}: npx trust log prove --leaf ${e.run.leafIndex})` : ''}`),
  );
  if (exceptions.length) {
    w.heading('Exceptions', 2, 'period-exceptions');
    w.bullets(exceptions, 7.5);
  }
  if (p.sample.length) {
    w.heading(`Sample of ${p.sampleSize} runs (seed ${JSON.stringify(p.sampleSeed)})`, 2, 'period-sample');
    w.table(
      [
        { header: 'Run', width: 1.3 },
        { header: 'Log entry', width: 0.6 },
        { header: 'Bundle SHA-256', width: 3.2, mono: true },
      ],
      p.sample.map((r) => [`${r.at}${r.simulated ? ' (simulated)' : ''}`, String(r.leafIndex), r.bundleSha256]),
      7,
    );
  }
}

export function statusBarChart(w: Writer, rows: { label: string; counts: Record<string, number> }[]): void {
  const doc = w.doc;
  const labelW = 150;
  const barW = w.width - labelW - 10;
  const max = Math.max(1, ...rows.map((r) => STATUS_ORDER.reduce((a, s) => a + (r.counts[s] ?? 0), 0)));
  const rowH = 22;
  w.ensure(rows.length * rowH + 40);
  const top = doc.y;
  // The chart is vector graphics: one Figure whose alternative text states every bar.
  const alt = `Bar chart of observed control status. ${rows.map((r) => `${r.label}: ${STATUS_ORDER.map((s) => `${r.counts[s] ?? 0} ${s}`).join(', ')}`).join('. ')}.`;
  w.leaf('Figure', () => drawChart(), { alt: pdfText(alt), placement: 'Block', bbox: [MARGIN, top, MARGIN + w.width, top + rows.length * rowH + 24] });
  doc.x = MARGIN;
  doc.y = top + rows.length * rowH + 24;

  function drawChart(): void {
    let y = top;
    for (const r of rows) {
      doc.font(F.body).fontSize(8.5).fillColor(COLORS.ink);
      let label = pdfText(r.label);
      // One line per bar: shorten long framework names rather than wrap into the next bar.
      while (label.length > 4 && doc.widthOfString(label) > labelW - 8) label = label.slice(0, -2).trimEnd() + '.';
      doc.text(label, MARGIN, y + 4, { width: labelW - 6, lineBreak: false });
      let x = MARGIN + labelW;
      for (const s of STATUS_ORDER) {
        const n = r.counts[s] ?? 0;
        if (!n) continue;
        const segW = (n / max) * barW;
        doc.rect(x, y, segW, 15).fill(COLORS[s]);
        if (segW > 14)
          doc
            .font(F.bold)
            .fontSize(7.5)
            .fillColor('#ffffff')
            .text(String(n), x, y + 4, { width: segW, align: 'center', lineBreak: false });
        x += segW;
      }
      y += rowH;
    }
    // Legend.
    let x = MARGIN + labelW;
    for (const s of STATUS_ORDER) {
      doc.rect(x, y + 2, 9, 9).fill(COLORS[s]);
      doc
        .font(F.body)
        .fontSize(8)
        .fillColor(COLORS.ink)
        .text(`${s} (observed)`, x + 13, y + 3, { lineBreak: false });
      x += 95;
    }
  }
}
