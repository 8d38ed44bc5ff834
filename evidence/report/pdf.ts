/**
 * out/report.pdf for auditors, drawn with pdfkit: cover, table of contents with
 * links and a PDF outline, summary with a vector chart, one section per control,
 * the mapping matrices, the changes and how to verify; every footer carries the
 * page number and the bundle hash. Like the markdown report, it only states what
 * the bundle says. pdfkit is imported lazily (only this renderer needs it).
 *
 * Accessibility (PDF/UA, Section 508, EN 301 549) and archiving checks need a tagged
 * PDF with embedded fonts: every piece of content is either inside a structure element
 * (H1/H2, P, L/LI/Lbl/LBody, Table/TR/TH/TD, Figure with alternative text, TOC/TOCI,
 * Link) or marked as an artifact (backgrounds, rules, repeated table headers, footers),
 * the document language is set, and the text uses DejaVu fonts embedded from the
 * `dejavu-fonts-ttf` package (Bitstream Vera license with public-domain changes; pdfkit
 * embeds only the glyphs used). Structure elements are added in reading order; the
 * table of contents, drawn last on pages reserved after the cover, has its place in the
 * tree reserved there too.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type PDFKit from 'pdfkit';
import { describeChange } from '../mapping/diff.ts';
import { originText } from '../ci/gate.ts';
import { assessedText, controlViews, exceptions, frameworkRows, latestChanges, shortHash, STATUS_ORDER, toolText, VERDICT_TEXT, type ReportInput } from './model.ts';
import type { PeriodReport } from '../history/period.ts';
import { plural } from '../../platform/kernel/text/plural.ts';

type Doc = PDFKit.PDFDocument;
type Struct = PDFKit.PDFStructureElement;
/** Structure options pdfkit supports beyond its type definitions: TH scope, Figure box. */
type StructOptions = { alt?: string; lang?: string; title?: string; scope?: 'Column' | 'Row' | 'Both'; bbox?: [number, number, number, number]; placement?: 'Block' | 'Inline' };

/** Font names as registered on each document (see loadFonts). */
const F = { body: 'DejaVuSansCondensed', bold: 'DejaVuSansCondensed-Bold', mono: 'DejaVuSansMono' } as const;
const FONT_FILES: Record<(typeof F)[keyof typeof F], string> = {
  DejaVuSansCondensed: 'DejaVuSansCondensed.ttf',
  'DejaVuSansCondensed-Bold': 'DejaVuSansCondensed-Bold.ttf',
  DejaVuSansMono: 'DejaVuSansMono.ttf',
};
/**
 * Parsed once per process and shared by every render: pdfkit accepts a fontkit font, and
 * fontkit keeps the glyphs and shaping tables it has read, so a second report does not
 * parse and shape the same words again (that was most of the cost of embedding). Each
 * document still builds its own subset, so the bytes do not depend on earlier renders.
 */
let fonts: Map<string, unknown> | undefined;
function loadFonts(doc: Doc): void {
  if (!fonts) {
    const require = createRequire(import.meta.url);
    const fontkit = require('fontkit') as { create(bytes: Uint8Array): unknown };
    // Condensed keeps the text about as wide as Helvetica was, so the layout (and the page
    // count) stays close to the unembedded report's.
    const dir = path.join(path.dirname(require.resolve('dejavu-fonts-ttf/package.json')), 'ttf');
    fonts = new Map(Object.entries(FONT_FILES).map(([name, file]) => [name, fontkit.create(readFileSync(path.join(dir, file)))]));
  }
  for (const [name, font] of fonts) {
    doc.registerFont(name, font as unknown as string);
    // pdfkit shapes each word once per document and keeps the result (glyphs and scaled
    // positions, which depend on the font alone) in the font's layout cache; sharing that
    // cache across documents saves shaping the same words in every report.
    const embedded = (doc.font(name) as unknown as { _font: { layoutCache?: Record<string, unknown> } })._font;
    if (embedded.layoutCache) embedded.layoutCache = layoutCaches.get(name) ?? (layoutCaches.set(name, embedded.layoutCache), embedded.layoutCache);
  }
}
const layoutCaches = new Map<string, Record<string, unknown>>();

const MARGIN = 56;
const FOOTER = 34;
const COLORS = { live: '#1f7a4d', designed: '#c98a12', roadmap: '#8a8f98', ink: '#1b1f24', muted: '#5b6470', rule: '#d5d9de', bad: '#b42318', head: '#eef1f4' };

// The standard PDF fonts only encode WinAnsi; map what we can, replace the rest.
const WIN_ANSI_EXTRA = new Set('€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ');
const ASCII_FOR: Record<string, string> = { '≥': '>=', '≤': '<=', '→': '->', '←': '<-', '✓': 'ok', '✗': 'x', '≠': '!=', '×': 'x', '‑': '-' };
export function pdfText(s: string): string {
  // Most text is already printable WinAnsi without backticks: nothing to do.
  if (/^[\x20-\x5f\x61-\x7e\n\xa0-\xff]*$/.test(s)) return s;
  // Markdown code spans read as noise in print: drop the backticks, keep the words.
  return [...s.replace(/`/g, '')].map((ch) => {
    const c = ch.codePointAt(0)!;
    if ((c >= 0x20 && c <= 0x7e) || (c >= 0xa0 && c <= 0xff) || WIN_ANSI_EXTRA.has(ch) || ch === '\n') return ch;
    return ASCII_FOR[ch] ?? '?';
  }).join('');
}

/** Chart labels must fit one line; the full names are in the scope table. */
const SHORT_NAMES: Record<string, string> = { soc2: 'SOC 2', iso27001: 'ISO/IEC 27001', gdpr: 'GDPR' };

interface TocEntry { title: string; dest: string; level: number; page: number }

class Writer {
  toc: TocEntry[] = [];
  private stack: Struct[];
  constructor(readonly doc: Doc, root: Struct) {
    this.stack = [root];
  }

  private get parent(): Struct {
    return this.stack[this.stack.length - 1];
  }
  /** A structure element whose content is what `draw` puts on the page (drawn now). */
  leaf(type: string, draw: () => void, options: StructOptions = {}): void {
    this.parent.add(this.doc.struct(type, options as Parameters<Doc['struct']>[1], draw));
  }
  /** A structure element holding others: the parent of what `fill` adds. */
  group(type: string, fill: () => void, options: StructOptions = {}): Struct {
    const s = this.doc.struct(type, options as Parameters<Doc['struct']>[1]);
    this.parent.add(s);
    this.stack.push(s);
    try {
      fill();
    } finally {
      this.stack.pop();
      s.end();
    }
    return s;
  }
  /** Adds an element built by the caller (one that must name itself, like a Link with its annotation). */
  leafStruct(s: Struct): void {
    this.parent.add(s);
  }
  /** Attaches an element created earlier (its place in reading order) and fills it now. */
  fillInto(s: Struct, fill: () => void): void {
    this.stack.push(s);
    try {
      fill();
    } finally {
      this.stack.pop();
      s.end();
    }
  }
  /** Drawing that is not content (backgrounds, rules, repeated headers, footers): skipped by assistive technology. */
  artifact(draw: () => void, type: 'Layout' | 'Pagination' = 'Layout'): void {
    this.doc.markContent('Artifact', { type });
    draw();
    this.doc.endMarkedContent();
  }

  get width(): number {
    return this.doc.page.width - MARGIN * 2;
  }
  get bottom(): number {
    return this.doc.page.height - MARGIN - FOOTER;
  }
  currentPage(): number {
    const range = this.doc.bufferedPageRange();
    return range.start + range.count - 1;
  }
  ensure(space: number): void {
    if (this.doc.y + space > this.bottom) this.doc.addPage();
  }

  heading(title: string, level: 1 | 2, dest: string, outline?: PDFKit.PDFOutline): PDFKit.PDFOutline | undefined {
    const doc = this.doc;
    if (level === 1) this.ensure(120);
    else this.ensure(90);
    doc.moveDown(level === 1 ? 0.6 : 0.9);
    doc.font(F.bold).fontSize(level === 1 ? 16 : 12).fillColor(COLORS.ink);
    this.leaf(level === 1 ? 'H1' : 'H2', () => doc.text(pdfText(title), MARGIN, doc.y, { width: this.width, destination: dest }));
    doc.moveDown(level === 1 ? 0.5 : 0.3);
    this.toc.push({ title, dest, level, page: this.currentPage() });
    return (outline ?? doc.outline).addItem(pdfText(title));
  }

  para(text: string, opts: { size?: number; color?: string; font?: string } = {}): void {
    const doc = this.doc;
    doc.font(opts.font ?? F.body).fontSize(opts.size ?? 9.5).fillColor(opts.color ?? COLORS.ink);
    const t = pdfText(text);
    this.ensure(Math.min(doc.heightOfString(t, { width: this.width }), 60));
    this.leaf(opts.font === F.mono ? 'Code' : 'P', () => doc.text(t, MARGIN, doc.y, { width: this.width }));
    doc.moveDown(0.4);
  }

  bullets(items: string[], size = 8.5): void {
    this.group('L', () => {
      for (const item of items) {
        const doc = this.doc;
        doc.font(F.body).fontSize(size).fillColor(COLORS.ink);
        const t = pdfText(item);
        const h = doc.heightOfString(t, { width: this.width - 12 });
        this.ensure(Math.min(h, 40));
        const y = doc.y;
        this.group('LI', () => {
          this.leaf('Lbl', () => doc.text('-', MARGIN, y, { width: 10 }));
          this.leaf('LBody', () => doc.text(t, MARGIN + 12, y, { width: this.width - 12 }));
        });
        doc.moveDown(0.15);
      }
    });
    this.doc.moveDown(0.3);
  }

  /** A table whose cells wrap; rows never cross the bottom margin (new page, header repeated). */
  table(columns: { header: string; width: number; mono?: boolean }[], rows: string[][], size = 8): void {
    const doc = this.doc;
    const total = columns.reduce((a, c) => a + c.width, 0);
    const widths = columns.map((c) => (c.width / total) * this.width);
    const pad = 3;
    const fontOf = (i: number, header: boolean) => (header ? F.bold : columns[i].mono ? F.mono : F.body);
    const measure = (cells: string[], header: boolean) =>
      Math.max(...cells.map((t, i) => this.cellHeight(t, fontOf(i, header), size, widths[i] - pad * 2))) + pad * 2;
    // The header row is tagged once (TH cells); repeated on a later page it is an artifact.
    const drawRow = (cells: string[], header: boolean, h: number, as: 'tagged' | 'artifact') => {
      const y = doc.y;
      this.artifact(() => {
        if (header) doc.rect(MARGIN, y, this.width, h).fill(COLORS.head);
        doc.moveTo(MARGIN, y + h).lineTo(MARGIN + this.width, y + h).lineWidth(0.5).strokeColor(COLORS.rule).stroke();
      });
      const drawCells = () => {
        let x = MARGIN;
        cells.forEach((t, i) => {
          const cx = x;
          const draw = () => {
            doc.font(fontOf(i, header)).fontSize(size).fillColor(t.startsWith('REGRESSION') || t.startsWith('UNSUPPORTED') || t === 'fail' || t === 'error' ? COLORS.bad : COLORS.ink);
            doc.text(pdfText(t), cx + pad, y + pad, { width: widths[i] - pad * 2, lineBreak: true });
          };
          if (as === 'artifact') this.artifact(draw, 'Pagination');
          else this.leaf(header ? 'TH' : 'TD', draw, header ? { scope: 'Column' } : {});
          x += widths[i];
        });
      };
      if (as === 'artifact') drawCells();
      else this.group('TR', drawCells);
      doc.x = MARGIN;
      doc.y = y + h;
    };
    const header = columns.map((c) => c.header);
    const headerH = measure(header, true);
    this.ensure(headerH + 20);
    this.group('Table', () => {
      drawRow(header, true, headerH, 'tagged');
      for (const row of rows) {
        // A row taller than a page is split into chunks of lines so nothing runs off the page.
        const chunks = this.splitRow(row, widths, pad, size, fontOf);
        for (const chunk of chunks) {
          const h = chunk.height ?? measure(chunk.cells, false);
          if (doc.y + h > this.bottom) {
            doc.addPage();
            drawRow(header, true, headerH, 'artifact');
          }
          drawRow(chunk.cells, false, h, 'tagged');
        }
      }
    });
    doc.moveDown(0.6);
  }

  /**
   * A cell's height. Most cells hold one short line: measuring its width is enough and
   * far cheaper than a wrap layout (pdfkit lays the text out again to draw it).
   */
  private cellHeight(text: string, font: string, size: number, width: number): number {
    const doc = this.doc.font(font).fontSize(size);
    const t = pdfText(text);
    if (t !== '' && !t.includes('\n') && t.trim() === t && doc.widthOfString(t) <= width) return doc.currentLineHeight(true);
    return doc.heightOfString(t, { width });
  }

  /** The row as it is when it fits a page (with its height, measured once), else split into chunks of lines. */
  private splitRow(row: string[], widths: number[], pad: number, size: number, fontOf: (i: number, h: boolean) => string): { cells: string[]; height?: number }[] {
    const doc = this.doc;
    const max = this.bottom - MARGIN - 40;
    const h = Math.max(...row.map((t, i) => this.cellHeight(t, fontOf(i, false), size, widths[i] - pad * 2)));
    if (h <= max) return [{ cells: row, height: h + pad * 2 }];
    // Split every cell by words into pieces that fit `max`.
    const pieces = row.map((t, i) => {
      const out: string[] = [];
      let cur = '';
      for (const w of t.split(/(\s+)/)) {
        const next = cur + w;
        if (cur && doc.font(fontOf(i, false)).fontSize(size).heightOfString(pdfText(next), { width: widths[i] - pad * 2 }) > max) {
          out.push(cur.trim());
          cur = w.trimStart();
        } else cur = next;
      }
      out.push(cur.trim());
      return out;
    });
    const n = Math.max(...pieces.map((p) => p.length));
    return Array.from({ length: n }, (_, k) => ({ cells: pieces.map((p) => p[k] ?? '') }));
  }
}

/**
 * The audit period section (trust report --from --to): what `trust period` computed from the
 * transparency log, printed as it is. Per control: evaluations, pass rate, longest gap and
 * whether it operated throughout the period; then every exception, as an auditor's list.
 */
function periodSection(w: Writer, p: PeriodReport, number: number): void {
  const day = (iso: string) => iso.slice(0, 10);
  const hours = (s: number) => (s >= 86_400 ? `${(s / 86_400).toFixed(1)} d` : `${(s / 3600).toFixed(1)} h`);
  w.doc.addPage();
  w.heading(`${number}. Audit period ${day(p.period.from)} to ${day(new Date(Date.parse(p.period.to) - 1).toISOString())}`, 1, 'period');
  w.para(`Period ${p.period.from} to ${p.period.to}, judged until ${p.period.judgedUntil}. Read from the transparency log ${p.log.origin} at its signed checkpoint of size ${p.log.size}; the population is the ${p.population.runs} runs of the period (SHA-256 ${p.population.sha256}). npx trust period --from ${day(p.period.from)} --to ${day(new Date(Date.parse(p.period.to) - 1).toISOString())}${p.sampleSeed !== null ? ` --sample ${p.sampleSize} --seed ${p.sampleSeed}` : ''} writes the same figures with every inclusion proof (period.json).`);
  if (p.simulatedNote) w.para(`SIMULATED: ${p.simulatedNote}.`, { font: F.bold, color: COLORS.bad });
  w.para(`${p.summary.operatedThroughout} of ${p.summary.controls} controls operated throughout the period (evaluated, no failing run, no gap longer than their maximum evidence age); ${p.summary.withExceptions} have exceptions.`, { font: F.bold });
  w.table([{ header: 'Control', width: 2.2 }, { header: 'Evaluations', width: 0.8 }, { header: 'Pass rate', width: 0.7 }, { header: 'Longest gap', width: 0.8 }, { header: 'Throughout', width: 1.1 }],
    p.controls.map((c) => [c.id, String(c.evaluations), c.passRate === null ? '-' : `${(c.passRate * 100).toFixed(2)}%`, c.longestGap ? hours(c.longestGap.seconds) : '-', c.operatedThroughout ? 'yes' : `${c.exceptions.length} exception(s)`]), 7.5);
  const exceptions = p.controls.flatMap((c) => c.exceptions.map((e) => `${c.id}: ${e.kind}: ${e.description}${e.run ? ` (bundle ${e.run.bundleSha256}, log entry ${e.run.leafIndex}: npx trust log prove --leaf ${e.run.leafIndex})` : ''}`));
  if (exceptions.length) {
    w.heading('Exceptions', 2, 'period-exceptions');
    w.bullets(exceptions, 7.5);
  }
  if (p.sample.length) {
    w.heading(`Sample of ${p.sampleSize} runs (seed ${JSON.stringify(p.sampleSeed)})`, 2, 'period-sample');
    w.table([{ header: 'Run', width: 1.3 }, { header: 'Log entry', width: 0.6 }, { header: 'Bundle SHA-256', width: 3.2, mono: true }],
      p.sample.map((r) => [`${r.at}${r.simulated ? ' (simulated)' : ''}`, String(r.leafIndex), r.bundleSha256]), 7);
  }
}

function statusBarChart(w: Writer, rows: { label: string; counts: Record<string, number> }[]): void {
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
      if (segW > 14) doc.font(F.bold).fontSize(7.5).fillColor('#ffffff').text(String(n), x, y + 4, { width: segW, align: 'center', lineBreak: false });
      x += segW;
    }
    y += rowH;
  }
  // Legend.
  let x = MARGIN + labelW;
  for (const s of STATUS_ORDER) {
    doc.rect(x, y + 2, 9, 9).fill(COLORS[s]);
    doc.font(F.body).fontSize(8).fillColor(COLORS.ink).text(`${s} (observed)`, x + 13, y + 3, { lineBreak: false });
    x += 95;
  }
  }
}

/**
 * pdfkit measures each word again on every layout pass and for every line it draws,
 * and its per-character kerning lookups are most of the report's time. A string's
 * width depends only on the font, the size and the spacing, so widths are remembered.
 */
function memoizeTextWidths(doc: PDFKit.PDFDocument): void {
  type Options = { features?: unknown; characterSpacing?: number; horizontalScaling?: number };
  const d = doc as unknown as { widthOfString(s: string, o?: Options): number; _font: { name: string }; _fontSize: number };
  const measure = d.widthOfString.bind(d);
  const byStyle = new Map<string, Map<string, number>>();
  d.widthOfString = (s, o = {}) => {
    if (o.features || o.characterSpacing || (o.horizontalScaling ?? 100) !== 100) return measure(s, o);
    const style = `${d._font.name} ${d._fontSize}`;
    let widths = byStyle.get(style);
    if (!widths) byStyle.set(style, (widths = new Map()));
    let w = widths.get(s);
    if (w === undefined) widths.set(s, (w = measure(s, o)));
    return w;
  };
}

/**
 * pdfkit turns every content operator into its own byte array as it is written (a text
 * run, a colour, and in a tagged PDF a BDC and an EMC around every cell), and collecting
 * those tens of thousands of small arrays was a fifth of the render. Operators are kept
 * as strings per page and converted once when the page's content stream ends; pdfkit
 * adds a newline after each chunk, so joining with newlines gives the same bytes.
 */
function batchContentWrites(doc: Doc): void {
  type Content = { write(chunk: string | Uint8Array): unknown; end(chunk?: unknown): unknown };
  const batch = (content: Content) => {
    const write = content.write.bind(content);
    const end = content.end.bind(content);
    let pending: string[] = [];
    const flush = () => {
      if (pending.length) write(pending.join('\n'));
      pending = [];
    };
    content.write = (chunk) => {
      if (typeof chunk === 'string') pending.push(chunk);
      else {
        flush();
        write(chunk);
      }
      return content;
    };
    content.end = (chunk) => {
      flush();
      return end(chunk);
    };
  };
  // The document's own writes (every object of the file, three writes each: a tagged
  // report has thousands of small structure objects) are batched the same way; the byte
  // offset is counted as each is written, since the cross-reference table is built from it.
  const d = doc as unknown as { _write(data: string | Uint8Array): void; push(chunk: Uint8Array | null): boolean; _offset: number };
  const push = d.push.bind(d);
  let queued: string[] = [];
  const drain = () => {
    if (queued.length) push(Buffer.from(queued.join('\n') + '\n', 'latin1'));
    queued = [];
  };
  d._write = (data) => {
    if (typeof data === 'string') {
      queued.push(data);
      d._offset += data.length + 1;
    } else {
      drain();
      push(data);
      d._offset += data.length;
    }
  };
  d.push = (chunk) => {
    drain();
    return push(chunk);
  };
  const pageContent = () => (doc as unknown as { page: { content: Content } }).page.content;
  batch(pageContent());
  doc.on('pageAdded', () => batch(pageContent()));
}

export async function renderPdf(input: ReportInput): Promise<Buffer> {
  const { default: PDFDocument } = await import('pdfkit');
  const { bundle, bundleSha256, generatedAt, changelog } = input;
  const org = bundle.catalog.organisation;
  const views = controlViews(bundle);
  const fws = frameworkRows(bundle);
  const s = bundle.summary;
  const title = `${org.name} trust report`;
  const doc = new PDFDocument({
    size: 'A4', margins: { top: MARGIN, bottom: MARGIN, left: MARGIN, right: MARGIN }, bufferPages: true, autoFirstPage: true,
    info: { Title: title, Author: org.name, Subject: `Security controls evidence, catalog ${bundle.catalog.version}`, Keywords: `bundle-sha256:${bundleSha256}`, CreationDate: generatedAt, ModDate: generatedAt },
    displayTitle: true, pdfVersion: '1.7', tagged: true, lang: 'en',
  });
  batchContentWrites(doc);
  loadFonts(doc);
  memoizeTextWidths(doc);
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const ended = new Promise<void>((resolve, reject) => { doc.on('end', () => resolve()); doc.on('error', reject); });
  const root = doc.struct('Document');
  doc.addStructure(root);
  const w = new Writer(doc, root);

  // Cover.
  w.artifact(() => doc.rect(0, 0, doc.page.width, 230).fill('#12324a'));
  w.leaf('Title', () => doc.font(F.bold).fontSize(30).fillColor('#ffffff').text(pdfText(org.name), MARGIN, 90, { width: w.width }));
  w.leaf('P', () => doc.font(F.body).fontSize(16).text('Trust report: security controls and their evidence', MARGIN, 135, { width: w.width }));
  const site = /^[a-z][a-z0-9+.-]*:/i.test(org.website) ? org.website : `https://${org.website}`;
  w.group('P', () => w.leaf('Link', () => doc.fontSize(10).text(pdfText(org.website), MARGIN, 170, { link: site })));
  doc.fillColor(COLORS.ink).font(F.body).fontSize(11);
  let y = 270;
  const coverRow = (k: string, v: string, mono = false) => {
    // A key and its value, read as one paragraph ("Catalog version 1.2.0").
    w.leaf('P', () => {
      doc.font(F.bold).fontSize(10).fillColor(COLORS.muted).text(k, MARGIN, y, { width: 140 });
      doc.font(mono ? F.mono : F.body).fontSize(mono ? 8 : 11).fillColor(COLORS.ink).text(pdfText(v), MARGIN + 150, y, { width: w.width - 150 });
    });
    y = doc.y + 10;
  };
  // What was assessed, by what, and how to pin the signer: an auditor reads this first.
  coverRow('Organisation', org.name);
  coverRow('Assessed', assessedText(bundle));
  coverRow('As of', generatedAt.toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC'));
  coverRow('Tool', toolText(input));
  coverRow('Catalog version', bundle.catalog.version);
  coverRow('Bundle SHA-256', bundleSha256, true);
  // The development-key warning is the red line below the rows.
  if (input.signingKeySha256) coverRow('Signing key SHA-256', input.signingKeySha256, true);
  coverRow('Controls', `${s.controls} (${STATUS_ORDER.map((st) => `${s.claimed[st] ?? 0} claimed ${st}`).join(', ')})`);
  coverRow('Claims not holding', `${plural(s.regressions, 'regression')}, ${s.unsupported} unsupported`);
  coverRow('Contact', org.contact);
  coverRow('This document', `A rendering of the signed bundle: npx trust report --bundle out/bundle.json --as-of ${generatedAt.toISOString()} reproduces it byte for byte; section "How to verify" says how to check the signature.`);
  if (bundle.developmentSigningKey) {
    y += 10;
    w.leaf('P', () => doc.font(F.bold).fontSize(11).fillColor(COLORS.bad).text('Signed with a DEVELOPMENT key: not for audit use.', MARGIN, y, { width: w.width }));
  }

  // Reserve the table of contents: one line per section and control.
  // 7 numbered sections, the exceptions, frameworks, controls; a period adds its section, its exceptions and its sample.
  const period = input.period;
  const tocLines = 8 + fws.length + views.length + (period ? 1 + (period.controls.some((c) => c.exceptions.length) ? 1 : 0) + (period.sample.length ? 1 : 0) : 0);
  // The same arithmetic as the TOC writer below: 15 pt per line, the first page starts under its title.
  const perPage = Math.floor((doc.page.height - MARGIN - FOOTER - MARGIN) / 15);
  const firstPage = perPage - 3;
  const tocPages = tocLines <= firstPage ? 1 : 1 + Math.ceil((tocLines - firstPage) / perPage);
  const tocStart = w.currentPage() + 1;
  // Its place in the structure tree is here, after the cover; it is filled at the end.
  const tocSect = doc.struct('Sect');
  root.add(tocSect);
  for (let i = 0; i < tocPages; i++) doc.addPage();
  doc.addPage();

  // Scope and method.
  w.heading('1. Scope', 1, 'scope');
  w.para(`This report covers the security controls that ${org.name} publishes for its hosting platform for AI agents and virtual machines, each evaluated against the running platform.`);
  w.table([{ header: 'Item', width: 1 }, { header: 'Value', width: 2.6 }], [
    ['Organisation', `${org.name} (${org.website})`],
    ['Assessed', assessedText(bundle)],
    ['Tool', toolText(input)],
    ['Security contact', org.contact],
    ['Catalog', `version ${bundle.catalog.version}, content SHA-256 ${bundle.catalog.sha256}`],
    ['Platform schema version', bundle.platform.schemaVersion],
    ['PostgreSQL', bundle.platform.postgresVersion],
    ['Source commit', bundle.platform.gitCommit],
    ...fws.map((f) => [f.framework.name, `${f.framework.edition}; mapping version ${f.mappingVersion}`]),
  ]);
  w.heading('2. Method', 1, 'method');
  w.para('Evidence is produced in three separated phases. Collect: read-only collectors observe the platform (PostgreSQL catalogs and audit tables through a SELECT-only role in one read-only transaction, configuration and source) and record facts without secret values. Evaluate: each control\'s checks are pure functions of those facts. Render: this report is drawn from the signed bundle and never recomputes a status.');
  w.para('A control is live only when it has at least one check and every check passes; designed when the design artifacts it names exist in the repository; roadmap otherwise. A claimed live control whose checks do not all pass is a regression; a claimed designed control whose artifacts are missing is unsupported; a designed control whose checks all pass is ready to promote.');
  w.table([{ header: 'Evidence part (collector)', width: 1.2 }, { header: 'Version', width: 0.6 }, { header: 'SHA-256 of its facts', width: 3, mono: true }],
    Object.values(bundle.parts).map((p) => [p.collector, p.version, p.sha256]), 7.5);

  // Summary.
  w.heading('3. Summary', 1, 'summary');
  w.table([{ header: 'Status', width: 1 }, { header: 'Claimed', width: 1 }, { header: 'Observed', width: 1 }],
    STATUS_ORDER.map((st) => [st, String(s.claimed[st] ?? 0), String(s.observed[st] ?? 0)]), 9);
  w.para(`Regressions: ${s.regressions}. Unsupported claims: ${s.unsupported}. Ready to promote: ${s.readyToPromote}.`, { font: F.bold });
  w.ensure((fws.length + 1) * 22 + 70); // keep the chart with its caption
  w.para('Observed status of the controls mapped to each framework:', { size: 9 });
  statusBarChart(w, [
    { label: 'All controls', counts: s.observed },
    ...fws.map((f) => ({ label: `${SHORT_NAMES[f.framework.id] ?? f.framework.name} (${f.mapped})`, counts: f.observed })),
  ]);
  const failing = views.filter((v) => v.evaluation.verdict === 'regression' || v.evaluation.verdict === 'unsupported');
  if (failing.length) {
    w.para('Claims that do not hold:', { font: F.bold, color: COLORS.bad });
    w.bullets(failing.map((v) => `${v.control.id} (${VERDICT_TEXT[v.evaluation.verdict]}): ${v.evaluation.findings[0]?.reason ?? ''}`));
  } else {
    w.para('Every claimed status is supported by the evidence.');
  }
  const ready = views.filter((v) => v.evaluation.verdict === 'ready_to_promote');
  if (ready.length) w.para(`Ready to promote to live: ${ready.map((v) => v.control.id).join(', ')}.`);
  const notLive = exceptions(bundle);
  w.heading('Exceptions: controls that are not live', 2, 'exceptions');
  if (notLive.length === 0) w.para('Every control is live.');
  else w.table([{ header: 'Control', width: 1.3 }, { header: 'Status', width: 0.7 }, { header: 'Why', width: 2.6 }], notLive.map((x) => [x.id, x.status, x.why]), 7.5);

  // Controls.
  doc.addPage();
  const controlsOutline = w.heading('4. Controls', 1, 'controls');
  w.table([{ header: 'Control', width: 2.2 }, { header: 'Claimed', width: 0.8 }, { header: 'Observed', width: 0.8 }, { header: 'Verdict', width: 1.1 }],
    views.map((v) => [v.control.id, v.evaluation.claimed, v.evaluation.observed, VERDICT_TEXT[v.evaluation.verdict]]));
  for (const v of views) {
    const e = v.evaluation;
    w.ensure(200);
    w.heading(`${v.control.id}: ${v.control.title}`, 2, `control-${v.control.id}`, controlsOutline);
    w.para(`Claimed ${e.claimed}  |  observed ${e.observed}  |  ${VERDICT_TEXT[e.verdict]}  |  ${v.control.category}${v.control.target ? `  |  target ${v.control.target}` : ''}`, { font: F.bold, size: 9, color: e.verdict === 'regression' || e.verdict === 'unsupported' ? COLORS.bad : COLORS.muted });
    w.para(v.control.statement.trim());
    w.para(v.control.description.trim(), { size: 8.5, color: COLORS.muted });
    const mapped = Object.entries(v.criteria).map(([fw, ids]) => `${fws.find((f) => f.framework.id === fw)?.framework.name ?? fw}: ${ids.join(', ')}`);
    if (mapped.length) w.para(`Mapped to ${mapped.join('; ')}.`, { size: 8.5 });
    if (e.checks.length) {
      w.table([{ header: 'Check', width: 1.3 }, { header: 'Result', width: 0.5 }, { header: 'Finding', width: 2.8 }, { header: 'Origin', width: 1.6 }],
        e.checks.flatMap((c) => c.findings.map((f, i) => [i === 0 ? c.check : '', f.status, f.reason + (f.observed ? ` Observed: ${f.observed}.` : ''), originText(f.origin)])), 7.5);
      const partIds = [...new Set(e.checks.flatMap((c) => c.collectors))].sort();
      if (partIds.length) w.para(`Evidence parts: ${partIds.map((id) => `${id} ${shortHash(bundle.parts[id]?.sha256 ?? 'missing')}`).join(', ')}`, { size: 7.5, color: COLORS.muted, font: F.mono });
    } else {
      w.para('No checks: not proven by the running platform.', { size: 8.5, color: COLORS.muted });
    }
    if (e.artifacts.length) {
      w.table([{ header: 'Design artifact', width: 3 }, { header: 'In the repository', width: 1 }],
        e.artifacts.map((a) => [`${a.file}${a.symbol ? `#${a.symbol}` : ''}${a.resource ? `#${a.resource}` : ''}`, a.found ? `found${a.line ? ` (line ${a.line})` : ''}` : 'MISSING']), 7.5);
    }
    if (e.findings.length) {
      w.para('Findings:', { font: F.bold, color: COLORS.bad, size: 9 });
      w.bullets(e.findings.map((f) => `${f.check} ${f.status}: ${f.reason} (${originText(f.origin)})`));
    }
  }

  // Matrices.
  fws.forEach((f, i) => {
    doc.addPage();
    w.heading(`${5 + i}. ${f.framework.name} mapping matrix`, 1, `matrix-${f.framework.id}`);
    w.para(`${f.framework.name}, ${f.framework.edition}; mapping version ${f.mappingVersion}. Status in brackets is the observed status.`, { size: 9 });
    w.table([{ header: 'Criterion', width: 0.7 }, { header: 'Title', width: 1.8 }, { header: 'Controls', width: 2.6 }],
      f.criteria.map((cr) => [cr.id, cr.title, cr.controls.length ? cr.controls.map((c) => `${c.id} (${c.observed})`).join(', ') : 'not mapped']), 7.5);
  });

  // Changes and verification.
  const n = 5 + fws.length;
  w.heading(`${n}. What changed since the last version`, 1, 'changes');
  const latest = latestChanges(changelog);
  if (!latest) w.para('No released version to compare with.');
  else {
    w.para(`Catalog ${latest.version}${latest.unreleased ? ' (unreleased)' : ''}: ${latest.changes.length} change(s).`);
    if (latest.changes.length) w.bullets(latest.changes.map(describeChange));
  }
  let next = n + 1;
  if (period) periodSection(w, period, next++);
  w.heading(`${next}. How to verify this evidence`, 1, 'verify');
  w.para('bundle.json is canonical JSON (RFC 8785) with no timestamp inside. bundle.sig.json is a DSSE envelope (payload type application/vnd.in-toto+json) whose payload is an in-toto Statement v1 naming bundle.json by SHA-256 with the signing time; the Ed25519 signature covers the DSSE pre-authentication encoding of the payload. bundle.pub.pem is the public key; its key id is the first 16 hex digits of the SHA-256 of its DER (SPKI) encoding.');
  w.para('npx trust verify out/bundle.json --key out/bundle.pub.pem\nopenssl pkey -pubin -in out/bundle.pub.pem -outform DER | sha256sum', { font: F.mono, size: 8.5 });
  if (input.signingKeySha256) w.para(`Pin the signer: the second command must print ${input.signingKeySha256}, the fingerprint this report, the site and security.txt publish. A key obtained only from beside the bundle proves nothing about who signed it.`);
  w.para(`The SHA-256 of bundle.json must be ${bundleSha256}. Verification fails, naming the reason, if any byte of the bundle or envelope changed, if a part's facts do not match their recorded hash, or if the key does not match.`);

  // Table of contents (on the reserved pages), with links.
  const tocEnd = tocStart + tocPages;
  let tocPage = tocStart;
  doc.switchToPage(tocPage);
  doc.outline.addItem('Contents');
  let ty = 0;
  w.fillInto(tocSect, () => {
    w.leaf('H1', () => doc.font(F.bold).fontSize(16).fillColor(COLORS.ink).text('Contents', MARGIN, MARGIN));
    ty = doc.y + 8;
    w.group('TOC', () => {
      for (const t of w.toc) {
        if (ty + 15 > doc.page.height - MARGIN - FOOTER) {
          tocPage++;
          if (tocPage >= tocEnd) throw new Error('table of contents overflowed its reserved pages');
          doc.switchToPage(tocPage);
          ty = MARGIN;
        }
        const indent = t.level === 1 ? 0 : 14;
        const at = ty;
        w.group('TOCI', () => {
          // The entry is a link to its section; the annotation is a child of the Link element.
          const link = doc.struct('Link', {}, () => {
            doc.font(t.level === 1 ? F.bold : F.body).fontSize(t.level === 1 ? 10 : 8.5).fillColor(COLORS.ink);
            const text = pdfText(t.title);
            const width = w.width - indent - 40;
            doc.text(text, MARGIN + indent, at, { width, lineBreak: false, ellipsis: true });
            doc.text(String(t.page + 1), MARGIN + w.width - 36, at, { width: 36, align: 'right', lineBreak: false });
            doc.goTo(MARGIN + indent, at, w.width - indent, doc.currentLineHeight(), t.dest, { structParent: link, Contents: new String(`${text}, page ${t.page + 1}`) } as unknown as object);
          });
          w.leafStruct(link);
        });
        ty += 15;
      }
    });
  });

  // Footers on every page.
  const range = doc.bufferedPageRange();
  for (let i = range.start; i < range.start + range.count; i++) {
    doc.switchToPage(i);
    const bottomMargin = doc.page.margins.bottom;
    doc.page.margins.bottom = 0; // writing inside the margin must not add a page
    const fy = doc.page.height - MARGIN + 6;
    w.artifact(() => {
      doc.moveTo(MARGIN, fy - 6).lineTo(doc.page.width - MARGIN, fy - 6).lineWidth(0.5).strokeColor(COLORS.rule).stroke();
      doc.font(F.body).fontSize(7.5).fillColor(COLORS.muted);
      doc.text(pdfText(`${title}, catalog ${bundle.catalog.version}`), MARGIN, fy, { width: w.width / 2, lineBreak: false });
      doc.text(`Page ${i + 1} of ${range.count}`, MARGIN + w.width / 2, fy, { width: w.width / 2, align: 'right', lineBreak: false });
      doc.font(F.mono).fontSize(6.5).text(`bundle SHA-256 ${bundleSha256}`, MARGIN, fy + 11, { width: w.width, lineBreak: false });
    }, 'Pagination');
    doc.page.margins.bottom = bottomMargin;
  }
  doc.end();
  await ended;
  return Buffer.concat(chunks);
}
