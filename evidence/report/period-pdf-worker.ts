/**
 * Worker thread side of period-pdf-thread.ts: loads pdfkit at once (most of the cost), then
 * renders each period it is sent.
 */
import { parentPort } from 'node:worker_threads';
import { toThreadError } from '../../platform/kernel/threads.ts';
import type { PeriodReport } from '../history/period.ts';
import type { PeriodPdfReply } from './period-pdf-thread.ts';

const port = parentPort!;
const loading = import('./period-pdf.ts').then(async (m) => {
  await import('pdfkit');
  return m;
});
port.on('message', async (p: PeriodReport) => {
  let reply: PeriodPdfReply;
  try {
    reply = { pdf: await (await loading).renderPeriodPdf(p) };
  } catch (e) {
    reply = { error: toThreadError(e) };
  }
  port.postMessage(reply);
});
