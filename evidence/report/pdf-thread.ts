/**
 * The PDF report rendered in a worker thread (pdf-worker.ts). Started when a run begins,
 * the thread loads pdfkit while the collectors wait on the database, and renders the
 * report while the main thread writes the other outputs. The bytes are the same as
 * renderPdf's in the main thread.
 */
import { startThread } from '../../platform/threads.ts';
import type { ReportInput } from './model.ts';

export type PdfThreadReply = { pdf: Uint8Array } | { error: { message: string; stack?: string } };

export interface PdfThread {
  /** Renders one report; calls are served in order. */
  render(input: ReportInput): Promise<Buffer>;
  /** Ends the thread (idempotent). */
  stop(): Promise<void>;
}

export function startPdfThread(): PdfThread {
  const worker = startThread('pdf-worker', new URL('./pdf-worker.ts', import.meta.url), null);
  const pending: { resolve(b: Buffer): void; reject(e: Error): void }[] = [];
  const failAll = (e: Error) => { for (const p of pending.splice(0)) p.reject(e); };
  worker.on('message', (m: PdfThreadReply) => {
    const p = pending.shift();
    if (!p) return;
    if ('pdf' in m) return p.resolve(Buffer.from(m.pdf.buffer, m.pdf.byteOffset, m.pdf.byteLength));
    const e = new Error(m.error.message);
    if (m.error.stack) e.stack = m.error.stack;
    p.reject(e);
  });
  worker.on('error', failAll);
  worker.on('exit', (code) => failAll(new Error(`PDF thread exited (code ${code}) before it replied`)));
  // Idle until asked: it must not keep the process alive.
  worker.unref();
  return {
    render(input) {
      return new Promise((resolve, reject) => {
        pending.push({ resolve, reject });
        worker.ref();
        worker.postMessage(input);
      }).finally(() => { if (!pending.length) worker.unref(); }) as Promise<Buffer>;
    },
    async stop() {
      await worker.terminate();
    },
  };
}
