/**
 * A speed trick (TRUST_PDF_WARMUP=0 turns it off): while the collectors wait on the database,
 * the PDF thread shapes the catalog's words into the layout caches that every report shares
 * (pdfkit-patches.ts), so the render after evaluation finds most of its words shaped already.
 * Shaping words with fontkit is most of a first render's cost, and this way it is spent while
 * the gate waits rather than after the verdicts are known. Only the caches are filled, so the
 * bytes do not change: test/evidence/pdf-warmup.test.ts renders a report after a warm-up and
 * without one and compares them. It needs the shared caches, so the pdfkit patches too.
 */
import type { Catalog } from '../../controls/types.ts';
import { trickEnabled } from '../../platform/kernel/switches.ts';
import { F, loadFonts } from './pdf-fonts.ts';
import { pdfkitPatchesEnabled } from './pdfkit-patches.ts';
import { pdfText } from './pdf-writer.ts';

export function pdfWarmupEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  return trickEnabled('TRUST_PDF_WARMUP', env) && pdfkitPatchesEnabled(env);
}

/** What the report will draw from the catalog: body text for every string, bold for the control ids and titles. */
export interface WarmTexts {
  body: string[];
  bold: string[];
}

export function catalogTexts(catalog: Pick<Catalog, 'controls' | 'frameworks' | 'mappings' | 'organisation'>): WarmTexts {
  const body = new Set<string>();
  const walk = (v: unknown): void => {
    if (typeof v === 'string') body.add(v);
    else if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') Object.values(v).forEach(walk);
  };
  walk([catalog.organisation, catalog.controls, catalog.frameworks, catalog.mappings]);
  const bold = new Set(catalog.controls.flatMap((c) => [c.id, c.title]));
  return { body: [...body], bold: [...bold] };
}

/**
 * Shapes the texts in the report's fonts, filling the shared layout caches; draws nothing.
 * It yields between slices and stops once `stop()` says a render is waiting: what is left
 * unshaped is shaped by the render as it goes, as without a warm-up.
 */
export async function warmPdfFonts(texts: WarmTexts, stop: () => boolean = () => false): Promise<void> {
  const { default: PDFDocument } = await import('pdfkit');
  const doc = new PDFDocument({ autoFirstPage: false });
  loadFonts(doc);
  const SLICE = 100;
  for (const [font, list] of [
    [F.body, texts.body],
    [F.bold, texts.bold],
  ] as const) {
    for (let i = 0; i < list.length; i += SLICE) {
      if (stop()) return;
      doc.font(font);
      for (const t of list.slice(i, i + SLICE)) doc.widthOfString(pdfText(t));
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
}
