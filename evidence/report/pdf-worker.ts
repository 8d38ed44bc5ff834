/**
 * Worker thread side of pdf-thread.ts: loads pdfkit at once (most of the wait), then
 * renders each report it is sent.
 */
import { parentPort } from 'node:worker_threads';
import { toThreadError } from '../../platform/kernel/threads.ts';
import { renderPdf } from './pdf.ts';
import type { ReportInput } from './model.ts';
import type { PdfThreadReply } from './pdf-thread.ts';

const port = parentPort!;
/** TRUST_PROFILE=1 (evidence/progress.ts): how long this thread's steps took. */
const profile = (what: string, t0: number) => {
  if (process.env.TRUST_PROFILE) process.stderr.write(`profile: PDF thread: ${what} took ${Math.round(performance.now() - t0)} ms\n`);
};
port.on('message', async (input: ReportInput) => {
  const t0 = performance.now();
  let reply: PdfThreadReply;
  try {
    reply = { pdf: await renderPdf(input) };
  } catch (e) {
    reply = { error: toThreadError(e) };
  }
  profile('render', t0);
  port.postMessage(reply);
});
const loading = performance.now();
await import('pdfkit');
profile('loading pdfkit', loading);
