/**
 * The PDF report rendered in a worker thread (pdf-worker.ts). Started when a run begins,
 * the thread loads pdfkit while the collectors wait on the database, and renders the
 * report while the main thread writes the other outputs. The bytes are the same as
 * renderPdf's in the main thread.
 */
import { inOrderReplies, startThread, type ThreadError } from '../../platform/kernel/threads.ts';
import type { ReportInput } from './model.ts';
import type { WarmTexts } from './pdf-warmup.ts';

export type PdfThreadReply = { pdf: Uint8Array } | { error: ThreadError };
/** A render is answered with a reply; a warm-up is not (replies pair with renders, in order). */
export type PdfThreadMessage = { render: ReportInput } | { warm: WarmTexts };

export interface PdfThread {
  /** Renders one report; calls are served in order. */
  render(input: ReportInput): Promise<Buffer>;
  /** Shapes these texts ahead of the render (pdf-warmup.ts); no reply, a render waits for it. */
  warm(texts: WarmTexts): void;
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
      worker.postMessage({ render: input } satisfies PdfThreadMessage);
      try {
        const { pdf } = await reply;
        return Buffer.from(pdf.buffer, pdf.byteOffset, pdf.byteLength);
      } finally {
        if (--inFlight === 0) worker.unref();
      }
    },
    warm(texts) {
      worker.postMessage({ warm: texts } satisfies PdfThreadMessage);
    },
    async stop() {
      await worker.terminate();
    },
  };
}
