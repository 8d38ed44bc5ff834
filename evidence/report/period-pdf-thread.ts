/**
 * Speed trick (TRUST_PERIOD_PDF_THREAD=0 turns it off; test/evidence/history/period-pdf-thread.test.ts:
 * the same bytes either way): period.pdf rendered on a worker thread (period-pdf-worker.ts)
 * started as `trust period` begins. Loading pdfkit and its font tables costs about a quarter of
 * a 90-day period; on the thread it overlaps reading and verifying the log, which the period
 * needs first anyway. Off, or when the thread cannot start, the PDF is rendered in this thread.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { trickEnabled } from '../../platform/kernel/switches.ts';
import { inOrderReplies, startThread, type ThreadError } from '../../platform/kernel/threads.ts';
import type { PeriodReport } from '../history/period.ts';

export const PERIOD_PDF_THREAD_SWITCH = 'TRUST_PERIOD_PDF_THREAD';

export type PeriodPdfReply = { pdf: Uint8Array } | { error: ThreadError };

export interface PeriodPdfRenderer {
  render(p: PeriodReport): Promise<Buffer>;
  /** Ends the thread, if any (idempotent). */
  stop(): Promise<void>;
}

const inProcess: PeriodPdfRenderer = {
  render: async (p) => (await import('./period-pdf.ts')).renderPeriodPdf(p),
  stop: async () => {},
};

/** A renderer: a thread that starts loading pdfkit now, or this thread when the switch is off. */
export function periodPdfRenderer(): PeriodPdfRenderer {
  if (!trickEnabled(PERIOD_PDF_THREAD_SWITCH)) return inProcess;
  // A compiled CLI bundle built before this thread existed has no chunk for it.
  const bundle = (globalThis as Record<symbol, unknown>)[Symbol.for('trust.cli.bundleDir')];
  if (typeof bundle === 'string' && !existsSync(path.join(bundle, 'period-pdf-worker.js'))) return inProcess;
  const worker = startThread('period-pdf-worker', new URL('./period-pdf-worker.ts', import.meta.url), null);
  const next = inOrderReplies<PeriodPdfReply>(worker, 'the period PDF thread');
  // Idle, it must not keep the process alive.
  worker.unref();
  return {
    async render(p) {
      const reply = next();
      worker.ref();
      worker.postMessage(p);
      try {
        const { pdf } = await reply;
        return Buffer.from(pdf.buffer, pdf.byteOffset, pdf.byteLength);
      } finally {
        worker.unref();
      }
    },
    async stop() {
      await worker.terminate();
    },
  };
}
