/**
 * The PDF report rendered for an audit period (issue 16): `trust report --from --to` adds a
 * section with the period `trust period` computes from the transparency log (per control the
 * evaluations, pass rate, longest gap, whether it operated throughout; every exception with its
 * bundle digest; the seeded sample), read back with pdftotext; without --from the report has no
 * such section. The log is a simulated history of the fixture catalog's controls, with the demo's
 * regression on its last day.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { noteSigner, verifierKeyString } from '../../../evidence/tlog/note.ts';
import { appendSimulatedRuns, planDemoHistory } from '../../../evidence/history/simulate.ts';
import { readHistory } from '../../../evidence/history/read.ts';
import { buildPeriod, type PeriodReport } from '../../../evidence/history/period.ts';
import { evaluateCatalog } from '../../../evidence/evaluate.ts';
import { buildBundle, serializeBundle } from '../../../evidence/bundle/build.ts';
import { buildMapping } from '../../../evidence/mapping/mapping.ts';
import { buildChangelog } from '../../../evidence/mapping/releases.ts';
import { renderPdf } from '../../../evidence/report/pdf.ts';
import { writeSignedBundle } from '../../bench/workloads/catalog-bundle.ts';
import { sha256Hex } from '../../../platform/kernel/canonical.ts';
import type { SigningKey } from '../../../evidence/bundle/keys.ts';
import type { ReportInput } from '../../../evidence/report/model.ts';
import { fixtureCatalog, fixtureChecks, fixtureParts } from '../../fixtures/evidence/fixture.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..', '..');
const END = new Date('2026-11-01T00:00:00Z');
const DAYS = 20;
const FROM = new Date(END.getTime() - DAYS * 86_400_000).toISOString().slice(0, 10);
const TO = new Date(END.getTime() - 86_400_000).toISOString().slice(0, 10);
const { privateKey, publicKey } = generateKeyPairSync('ed25519');
const signer = noteSigner('example.test/report-period', privateKey);
const key = { privateKey, publicKey, keyid: 'test', development: true, publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString() } as unknown as SigningKey;

let dir: string;
let input: ReportInput;
let period: PeriodReport;
let regressed: string;

function pdftotext(pdf: Buffer): string {
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'trust-period-pdf-')), 'r.pdf');
  writeFileSync(file, pdf);
  execFileSync('qpdf', ['--check', file], { stdio: 'pipe' });
  return execFileSync('/usr/bin/pdftotext', ['-layout', file, '-'], { maxBuffer: 64 << 20 }).toString();
}

beforeAll(async () => {
  const catalog = fixtureCatalog();
  const parts = fixtureParts();
  const { evaluations, summary } = evaluateCatalog(catalog, parts, { findCheck: (id) => fixtureChecks.find((c) => c.id === id) });
  const bundle = buildBundle({ catalog, parts, evaluations, summary, platform: { schemaVersion: 'x', postgresVersion: '17', gitCommit: '0'.repeat(40) }, developmentSigningKey: true });
  const bundleSha256 = sha256Hex(serializeBundle(bundle));
  const mapping = buildMapping(bundle, bundleSha256);
  input = { bundle, bundleSha256, generatedAt: END, changelog: buildChangelog([], mapping) };
  dir = mkdtempSync(path.join(os.tmpdir(), 'trust-report-period-'));
  const plan = planDemoHistory({
    days: DAYS,
    end: END,
    runsPerDay: 4,
    catalogVersion: catalog.version,
    controls: catalog.controls.map((c) => ({ id: c.id, claimed: c.status, maxAgeSeconds: 86_400 })),
  });
  regressed = plan.regressed!;
  await appendSimulatedRuns(path.join(dir, 'tlog'), signer, key, plan.runs);
  period = buildPeriod(readHistory(path.join(dir, 'tlog'), [signer]), { from: new Date(`${FROM}T00:00:00Z`), to: END, sample: 5, seed: '7' });
}, 120_000);

describe('the report rendered for an audit period', () => {
  it('has the period section: per-control figures, the exceptions with their bundle, the sample', async () => {
    const text = pdftotext(await renderPdf({ ...input, period }));
    expect(text).toMatch(new RegExp(`Audit period ${FROM} to ${TO}`));
    expect(text).toContain(`${period.summary.operatedThroughout} of ${period.summary.controls} controls operated throughout the period`);
    expect(text).toContain('SIMULATED');
    const failed = period.controls.find((c) => c.id === regressed)!.exceptions.find((e) => e.kind === 'failed-run')!;
    expect(text.replace(/\s+/g, '')).toContain(failed.run!.bundleSha256);
    expect(text).toContain(`Sample of 5 runs (seed "7")`);
    for (const c of period.controls) expect(text, c.id).toContain(c.id);
    // The contents name the section too.
    expect(text.match(/Audit period \d/g)!.length).toBeGreaterThanOrEqual(2);
  });

  it('without a period the report has no such section', async () => {
    expect(pdftotext(await renderPdf(input))).not.toMatch(/Audit period/);
  });

  it('trust report --from --to renders it from the log, and refuses a half-given period', () => {
    const evidence = path.join(dir, 'evidence');
    const out = path.join(dir, 'report');
    execFileSync('mkdir', ['-p', evidence]);
    return writeSignedBundle(evidence, input.bundle).then((bundlePath) => {
      const bin = path.join(ROOT, 'evidence/cli/bin.mjs');
      const vkey = verifierKeyString(signer);
      execFileSync(
        process.execPath,
        [
          bin,
          'report',
          '--bundle',
          bundlePath,
          '--out',
          out,
          '--as-of',
          END.toISOString(),
          '--from',
          FROM,
          '--to',
          TO,
          '--sample',
          '5',
          '--seed',
          '7',
          '--dir',
          path.join(dir, 'tlog'),
          '--vkey',
          vkey,
        ],
        { cwd: ROOT, stdio: 'pipe' },
      );
      const text = pdftotext(readFileSync(path.join(out, 'report.pdf')));
      expect(text).toMatch(new RegExp(`Audit period ${FROM} to ${TO}`));
      let err = '';
      try {
        execFileSync(process.execPath, [bin, 'report', '--bundle', bundlePath, '--out', out, '--from', FROM], { cwd: ROOT, stdio: 'pipe' });
      } catch (e) {
        err = String((e as { stderr: Buffer }).stderr) + String((e as { stdout: Buffer }).stdout);
        expect((e as { status: number }).status).toBe(2);
      }
      expect(err).toMatch(/needs both --from DATE and --to DATE/);
    });
  }, 120_000);
});
