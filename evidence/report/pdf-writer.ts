/**
 * The report's tagged-PDF writer: every piece of content is either inside a structure element
 * (H1/H2, P, L/LI/Lbl/LBody, Table/TR/TH/TD, Figure, TOC/TOCI, Link), added in reading order,
 * or marked as an artifact (backgrounds, rules, repeated table headers, footers); paragraphs,
 * lists and tables whose rows never cross the bottom margin.
 */
import type PDFKit from 'pdfkit';
import { F } from './pdf-fonts.ts';

export type Doc = PDFKit.PDFDocument;
type Struct = PDFKit.PDFStructureElement;
/** Structure options pdfkit supports beyond its type definitions: TH scope, Figure box. */
type StructOptions = { alt?: string; lang?: string; title?: string; scope?: 'Column' | 'Row' | 'Both'; bbox?: [number, number, number, number]; placement?: 'Block' | 'Inline' };

export const MARGIN = 56;
export const FOOTER = 34;
export const COLORS = { live: '#1f7a4d', designed: '#c98a12', roadmap: '#8a8f98', ink: '#1b1f24', muted: '#5b6470', rule: '#d5d9de', bad: '#b42318', head: '#eef1f4' };

// The standard PDF fonts only encode WinAnsi; map what we can, replace the rest.
const WIN_ANSI_EXTRA = new Set('€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ');
const ASCII_FOR: Record<string, string> = { '≥': '>=', '≤': '<=', '→': '->', '←': '<-', '✓': 'ok', '✗': 'x', '≠': '!=', '×': 'x', '‑': '-' };
export function pdfText(s: string): string {
  // Most text is already printable WinAnsi without backticks: nothing to do.
  if (/^[\x20-\x5f\x61-\x7e\n\xa0-\xff]*$/.test(s)) return s;
  // Markdown code spans read as noise in print: drop the backticks, keep the words.
  return [...s.replace(/`/g, '')]
    .map((ch) => {
      const c = ch.codePointAt(0)!;
      if ((c >= 0x20 && c <= 0x7e) || (c >= 0xa0 && c <= 0xff) || WIN_ANSI_EXTRA.has(ch) || ch === '\n') return ch;
      return ASCII_FOR[ch] ?? '?';
    })
    .join('');
}

interface TocEntry {
  title: string;
  dest: string;
  level: number;
  page: number;
}

export class Writer {
  toc: TocEntry[] = [];
  private stack: Struct[];
  constructor(
    readonly doc: Doc,
    root: Struct,
  ) {
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
    this.fillInto(s, fill);
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
    doc
      .font(F.bold)
      .fontSize(level === 1 ? 16 : 12)
      .fillColor(COLORS.ink);
    this.leaf(level === 1 ? 'H1' : 'H2', () => doc.text(pdfText(title), MARGIN, doc.y, { width: this.width, destination: dest }));
    doc.moveDown(level === 1 ? 0.5 : 0.3);
    this.toc.push({ title, dest, level, page: this.currentPage() });
    return (outline ?? doc.outline).addItem(pdfText(title));
  }

  para(text: string, opts: { size?: number; color?: string; font?: string } = {}): void {
    const doc = this.doc;
    doc
      .font(opts.font ?? F.body)
      .fontSize(opts.size ?? 9.5)
      .fillColor(opts.color ?? COLORS.ink);
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
    const measure = (cells: string[], header: boolean) => Math.max(...cells.map((t, i) => this.cellHeight(t, fontOf(i, header), size, widths[i] - pad * 2))) + pad * 2;
    // The header row is tagged once (TH cells); repeated on a later page it is an artifact.
    const drawRow = (cells: string[], header: boolean, h: number, as: 'tagged' | 'artifact') => {
      const y = doc.y;
      this.artifact(() => {
        if (header) doc.rect(MARGIN, y, this.width, h).fill(COLORS.head);
        doc
          .moveTo(MARGIN, y + h)
          .lineTo(MARGIN + this.width, y + h)
          .lineWidth(0.5)
          .strokeColor(COLORS.rule)
          .stroke();
      });
      const drawCells = () => {
        let x = MARGIN;
        cells.forEach((t, i) => {
          const cx = x;
          const draw = () => {
            doc
              .font(fontOf(i, header))
              .fontSize(size)
              .fillColor(t.startsWith('REGRESSION') || t.startsWith('UNSUPPORTED') || t === 'fail' || t === 'error' ? COLORS.bad : COLORS.ink);
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
        if (
          cur &&
          doc
            .font(fontOf(i, false))
            .fontSize(size)
            .heightOfString(pdfText(next), { width: widths[i] - pad * 2 }) > max
        ) {
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
