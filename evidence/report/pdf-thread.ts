/**
 * The PDF report rendered in a worker thread (pdf-worker.ts). Started when a run begins,
 * the thread loads pdfkit while the collectors wait on the database, and renders the
 * report while the main thread writes the other outputs. The bytes are the same as
 * renderPdf's in the main thread.
 */
import { inOrderReplies, startThread, type ThreadError } from '../../platform/kernel/threads.ts';
import type { ReportInput } from './model.ts';

export type PdfThreadReply = { pdf: Uint8Array } | { error: ThreadError };

export interface PdfThread {
  /** Renders one report; calls are served in order. */
  render(input: ReportInput): Promise<Buffer>;
  /** Ends the thread (idempotent). */
  stop(): Promise<void>;
}

export function startPdfThread(): PdfThread {
  const worker = startThread('pdf-worker', new URL('./pdf-worker.ts', import.meta.url), null);
  const next = inOrderReplies<PdfThreadReply>(worker, 'PDF thread');
  let inFlight = 0;
  // Idle until asked: it must not keep the process alive.
  worker.unref();
  return {
    async render(input) {
      const reply = next();
      inFlight++;
      worker.ref();
      worker.postMessage(input);
      try {
        const { pdf } = await reply;
        return Buffer.from(pdf.buffer, pdf.byteOffset, pdf.byteLength);
      } finally {
        if (--inFlight === 0) worker.unref();
      }
    },
    async stop() {
      await worker.terminate();
    },
  };
}
