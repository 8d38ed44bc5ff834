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
port.on('message', async (input: ReportInput) => {
  let reply: PdfThreadReply;
  try {
    reply = { pdf: await renderPdf(input) };
  } catch (e) {
    reply = { error: toThreadError(e) };
  }
  port.postMessage(reply);
});
await import('pdfkit');
