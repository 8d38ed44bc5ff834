/**
 * period.pdf rendered on its thread (evidence/report/period-pdf-thread.ts, TRUST_PERIOD_PDF_THREAD)
 * is the PDF rendered in the command's own thread, byte for byte: through the renderer, two
 * periods in a row, and through `trust period` itself, whose three files are the same either way;
 * and with pdfkit's patches (TRUST_PDFKIT_PATCHES) it is the PDF pdfkit writes as shipped.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { noteSigner, verifierKeyString } from '../../../evidence/tlog/note.ts';
import { appendSimulatedRuns, planDemoHistory } from '../../../evidence/history/simulate.ts';
import { readHistory } from '../../../evidence/history/read.ts';
import { buildPeriod, type PeriodReport } from '../../../evidence/history/period.ts';
import { renderPeriodPdf } from '../../../evidence/report/period-pdf.ts';
import { PERIOD_PDF_THREAD_SWITCH, periodPdfRenderer } from '../../../evidence/report/period-pdf-thread.ts';
import type { SigningKey } from '../../../evidence/bundle/keys.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..', '..');
const END = new Date('2026-06-01T00:00:00Z');
const { privateKey, publicKey } = generateKeyPairSync('ed25519');
const signer = noteSigner('example.test/period-pdf', privateKey);
const key = { privateKey, publicKey, keyid: 'test', development: true, publicKeyPem: '' } as unknown as SigningKey;
let dir: string;
let periods: PeriodReport[];

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'trust-period-pdf-'));
  const controls = [
    { id: 'resource_region_pinned', claimed: 'live' as const, maxAgeSeconds: 86_400 },
    { id: 'audit_events_append_only', claimed: 'live' as const, maxAgeSeconds: 86_400 },
    { id: 'vault_transit_keys', claimed: 'designed' as const, maxAgeSeconds: 86_400 },
  ];
  await appendSimulatedRuns(path.join(dir, 'tlog'), signer, key, planDemoHistory({ days: 20, end: END, runsPerDay: 4, catalogVersion: '1.0.0', controls }).runs);
  const h = readHistory(path.join(dir, 'tlog'), [signer]);
  periods = [buildPeriod(h, { from: new Date(END.getTime() - 20 * 86_400_000), to: END, sample: 5, seed: '42' }), buildPeriod(h, { from: new Date(END.getTime() - 5 * 86_400_000), to: END })];
}, 120_000);

describe('period.pdf on its thread', () => {
  it('renders the same bytes as in this thread, period after period', async () => {
    const plain = await Promise.all(periods.map((p) => renderPeriodPdf(p)));
    const renderer = periodPdfRenderer();
    try {
      for (let i = 0; i < periods.length; i++) expect((await renderer.render(periods[i])).equals(plain[i]), `period ${i}`).toBe(true);
    } finally {
      await renderer.stop();
    }
    expect(plain[0].equals(plain[1])).toBe(false);
    // pdfkit as shipped (no width cache, no batched writes: evidence/report/pdfkit-patches.ts) writes the same bytes.
    const saved = process.env.TRUST_PDFKIT_PATCHES;
    process.env.TRUST_PDFKIT_PATCHES = '0';
    try {
      for (let i = 0; i < periods.length; i++) expect((await renderPeriodPdf(periods[i])).equals(plain[i]), `period ${i} without the patches`).toBe(true);
    } finally {
      if (saved === undefined) delete process.env.TRUST_PDFKIT_PATCHES;
      else process.env.TRUST_PDFKIT_PATCHES = saved;
    }
  }, 60_000);

  it('trust period writes the same three files with the thread and without', () => {
    const vkey = verifierKeyString(signer);
    const from = new Date(END.getTime() - 20 * 86_400_000).toISOString().slice(0, 10);
    const run = (thread: boolean) => {
      const out = mkdtempSync(path.join(os.tmpdir(), 'trust-period-out-'));
      execFileSync(
        process.execPath,
        [path.join(ROOT, 'evidence/cli/bin.mjs'), 'period', '--from', from, '--to', '2026-05-31', '--sample', '5', '--seed', '42', '--out', out, '--dir', path.join(dir, 'tlog'), '--vkey', vkey],
        {
          cwd: ROOT,
          stdio: 'pipe',
          env: { ...process.env, [PERIOD_PDF_THREAD_SWITCH]: thread ? '1' : '0' },
        },
      );
      return Object.fromEntries(['period.json', 'period.pdf', 'period-assessment-results.json'].map((f) => [f, readFileSync(path.join(out, f))]));
    };
    const a = run(true);
    const b = run(false);
    for (const f of Object.keys(a)) expect(a[f].equals(b[f]), f).toBe(true);
    const report = JSON.parse(a['period.json'].toString()) as PeriodReport;
    expect(report.controls.find((c) => c.id === 'resource_region_pinned')!.exceptions.some((e) => e.kind === 'failed-run')).toBe(true);
    expect(a['period.pdf'].subarray(0, 5).toString()).toBe('%PDF-');
  }, 120_000);
});
