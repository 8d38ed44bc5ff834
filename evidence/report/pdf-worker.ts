/**
 * Worker thread side of pdf-thread.ts: loads pdfkit at once (most of the wait), then
 * renders each report it is sent.
 */
import { parentPort } from 'node:worker_threads';
import { toThreadError } from '../../platform/kernel/threads.ts';
import { renderPdf } from './pdf.ts';
import type { ReportInput } from './model.ts';
import type { PdfThreadMessage, PdfThreadReply } from './pdf-thread.ts';
import { pdfWarmupEnabled, warmPdfFonts } from './pdf-warmup.ts';

const port = parentPort!;
/** TRUST_PROFILE=1 (evidence/progress.ts): how long this thread's steps took. */
const profile = (what: string, t0: number) => {
  if (process.env.TRUST_PROFILE) process.stderr.write(`profile: PDF thread: ${what} took ${Math.round(performance.now() - t0)} ms\n`);
};
/** Renders asked for and not yet replied to: a warm-up gives way to them. */
let rendering = 0;
port.on('message', async (message: PdfThreadMessage) => {
  const t0 = performance.now();
  if ('warm' in message) {
    // A warm-up that fails only costs the time it saved; the render reports real errors.
    if (pdfWarmupEnabled()) await warmPdfFonts(message.warm, () => rendering > 0).catch(() => {});
    profile('warm-up', t0);
    return;
  }
  rendering++;
  const input: ReportInput = message.render;
  let reply: PdfThreadReply;
  try {
    reply = { pdf: await renderPdf(input) };
  } catch (e) {
    reply = { error: toThreadError(e) };
  }
  rendering--;
  profile('render', t0);
  port.postMessage(reply);
});
const loading = performance.now();
await import('pdfkit');
profile('loading pdfkit', loading);
