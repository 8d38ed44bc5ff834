/**
 * The report's fonts: DejaVu, embedded from the `dejavu-fonts-ttf` package (Bitstream Vera
 * license with public-domain changes; pdfkit embeds only the glyphs used). Condensed keeps the
 * text about as wide as Helvetica was, so the layout (and the page count) stays close to the
 * unembedded report's.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import type PDFKit from 'pdfkit';
import { pdfkitPatchesEnabled, registerSharedFonts } from './pdfkit-patches.ts';

/** Font names as registered on each document (see loadFonts). */
export const F = { body: 'DejaVuSansCondensed', bold: 'DejaVuSansCondensed-Bold', mono: 'DejaVuSansMono' } as const;
const FONT_FILES: Record<(typeof F)[keyof typeof F], string> = {
  DejaVuSansCondensed: 'DejaVuSansCondensed.ttf',
  'DejaVuSansCondensed-Bold': 'DejaVuSansCondensed-Bold.ttf',
  DejaVuSansMono: 'DejaVuSansMono.ttf',
};

/** Registers the fonts of F on `doc`: parsed once per process when the pdfkit patches are on, else by pdfkit from the files. */
export function loadFonts(doc: PDFKit.PDFDocument): void {
  const require = createRequire(import.meta.url);
  const dir = path.join(path.dirname(require.resolve('dejavu-fonts-ttf/package.json')), 'ttf');
  const files = Object.fromEntries(Object.entries(FONT_FILES).map(([name, file]) => [name, path.join(dir, file)]));
  if (pdfkitPatchesEnabled()) return registerSharedFonts(doc, files);
  // Each font is selected as it is registered, as registerSharedFonts does: pdfkit names the
  // fonts of the file (F2, F3, F4) in the order they are first selected.
  for (const [name, file] of Object.entries(files)) doc.registerFont(name, file).font(name);
}
