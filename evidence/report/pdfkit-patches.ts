/**
 * pdfkit patched for speed, a trick: TRUST_PDFKIT_PATCHES=0 turns every patch off, and pdfkit
 * then runs as shipped (each document parses its fonts, measures and writes as pdfkit does).
 * None of them changes a byte of the report: test/evidence/pdfkit-patches.test.ts renders
 * reports with and without them and compares the bytes.
 *
 * - Fonts parsed once per process, their layout caches shared by every document (`registerSharedFonts`).
 * - Text widths remembered per font and size (`memoizeTextWidths`, the width cache).
 * - Content operators and object writes batched into few chunks (`batchContentWrites`).
 *
 * They reach into pdfkit's internals (`_font`, `_fontSize`, `_write`, `page.content`): an
 * upgrade of pdfkit that moves them is caught by that test, and the switch rules them out.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type PDFKit from 'pdfkit';
import { trickEnabled } from '../../platform/kernel/switches.ts';

type Doc = PDFKit.PDFDocument;

export function pdfkitPatchesEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  return trickEnabled('TRUST_PDFKIT_PATCHES', env);
}

/** The width cache and the batched writes, on one new document. */
export function patchDocument(doc: Doc): void {
  batchContentWrites(doc);
  memoizeTextWidths(doc);
}

/**
 * Parsed once per process and shared by every render: pdfkit accepts a fontkit font, and
 * fontkit keeps the glyphs and shaping tables it has read, so a second report does not
 * parse and shape the same words again (that was most of the cost of embedding). Each
 * document still builds its own subset, so the bytes do not depend on earlier renders.
 */
let fonts: Map<string, unknown> | undefined;
const layoutCaches = new Map<string, Record<string, unknown>>();

/** Registers each font (name -> file) on `doc` from the fonts parsed once, with the layout cache every document shares. */
export function registerSharedFonts(doc: Doc, files: Record<string, string>): void {
  if (!fonts) {
    const require = createRequire(import.meta.url);
    const fontkit = require('fontkit') as { create(bytes: Uint8Array): unknown };
    fonts = new Map(Object.entries(files).map(([name, file]) => [name, fontkit.create(readFileSync(file))]));
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

/**
 * pdfkit measures each word again on every layout pass and for every line it draws,
 * and its per-character kerning lookups are most of the report's time. A string's
 * width depends only on the font, the size and the spacing, so widths are remembered.
 */
function memoizeTextWidths(doc: Doc): void {
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
