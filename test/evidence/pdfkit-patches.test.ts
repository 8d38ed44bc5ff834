/**
 * pdfkit's speed patches (evidence/report/pdfkit-patches.ts: the width cache, batched writes,
 * fonts parsed once with shared layout caches) change no byte of the report: for a fixed
 * as-of, the PDF is the same with TRUST_PDFKIT_PATCHES=0 as with them, whichever renders
 * first in the process, on a healthy report, one with findings and one with an audit period.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import PDFDocument from 'pdfkit';
import { evaluateCatalog } from '../../evidence/evaluate.ts';
import { buildBundle, serializeBundle } from '../../evidence/bundle/build.ts';
import { buildMapping } from '../../evidence/mapping/mapping.ts';
import { buildChangelog } from '../../evidence/mapping/releases.ts';
import { noteSigner } from '../../evidence/tlog/note.ts';
import { appendSimulatedRuns, planDemoHistory } from '../../evidence/history/simulate.ts';
import { readHistory } from '../../evidence/history/read.ts';
import { buildPeriod } from '../../evidence/history/period.ts';
import { renderPdf } from '../../evidence/report/pdf.ts';
import { patchDocument, pdfkitPatchesEnabled } from '../../evidence/report/pdfkit-patches.ts';
import { sha256Hex } from '../../platform/kernel/canonical.ts';
import type { SigningKey } from '../../evidence/bundle/keys.ts';
import type { ReportInput } from '../../evidence/report/model.ts';
import { fixtureCatalog, fixtureChecks, fixtureControls, fixtureParts, type FixtureState } from '../fixtures/evidence/fixture.ts';

const PLATFORM = { schemaVersion: '0003_audit', postgresVersion: '17.2', gitCommit: '0123456789abcdef0123456789abcdef01234567' };
const AS_OF = new Date('2026-11-21T12:00:00Z');

function reportInput(state: FixtureState = {}): ReportInput {
  const catalog = fixtureCatalog(fixtureControls());
  const parts = fixtureParts(state);
  const { evaluations, summary } = evaluateCatalog(catalog, parts, { findCheck: (id) => fixtureChecks.find((c) => c.id === id) });
  const bundle = buildBundle({ catalog, parts, evaluations, summary, platform: PLATFORM, developmentSigningKey: true });
  const bundleSha256 = sha256Hex(serializeBundle(bundle));
  return { bundle, bundleSha256, generatedAt: AS_OF, changelog: buildChangelog([], buildMapping(bundle, bundleSha256)) };
}

async function render(input: ReportInput, patches: boolean): Promise<Buffer> {
  const saved = process.env.TRUST_PDFKIT_PATCHES;
  process.env.TRUST_PDFKIT_PATCHES = patches ? '1' : '0';
  try {
    return await renderPdf(input);
  } finally {
    if (saved === undefined) delete process.env.TRUST_PDFKIT_PATCHES;
    else process.env.TRUST_PDFKIT_PATCHES = saved;
  }
}

const inputs: Record<string, ReportInput> = {};
beforeAll(async () => {
  inputs.healthy = reportInput();
  inputs.findings = reportInput({ tokensEncrypted: false });
  // An audit period over a simulated log (as test/evidence/history/report-period.test.ts).
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const signer = noteSigner('example.test/pdfkit-patches', privateKey);
  const key = { privateKey, publicKey, keyid: 'test', development: true, publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString() } as unknown as SigningKey;
  const dir = path.join(mkdtempSync(path.join(os.tmpdir(), 'trust-pdfkit-patches-')), 'tlog');
  const catalog = inputs.healthy.bundle.catalog;
  const end = new Date('2026-11-01T00:00:00Z');
  const plan = planDemoHistory({ days: 10, end, runsPerDay: 4, catalogVersion: catalog.version, controls: catalog.controls.map((c) => ({ id: c.id, claimed: c.status, maxAgeSeconds: 86_400 })) });
  await appendSimulatedRuns(dir, signer, key, plan.runs);
  inputs.period = { ...inputs.healthy, period: buildPeriod(readHistory(dir, [signer]), { from: new Date(end.getTime() - 10 * 86_400_000), to: end, sample: 3, seed: '1' }) };
}, 120_000);

describe('pdfkit patches', () => {
  it('the switch: on unless TRUST_PDFKIT_PATCHES says 0, off, false or no; the patches are on the document, not on pdfkit', () => {
    expect(pdfkitPatchesEnabled({})).toBe(true);
    for (const v of ['0', 'off', 'false', 'NO']) expect(pdfkitPatchesEnabled({ TRUST_PDFKIT_PATCHES: v })).toBe(false);
    const doc = new PDFDocument();
    patchDocument(doc);
    expect(Object.hasOwn(doc, 'widthOfString')).toBe(true);
    expect(Object.hasOwn(new PDFDocument(), 'widthOfString')).toBe(false);
  });

  it.each(['healthy', 'findings', 'period'])(
    '%s report: the same bytes with and without them, in either order',
    async (name) => {
      const input = inputs[name]!;
      const plainFirst = await render(input, false);
      const patched = await render(input, true);
      const plainAfter = await render(input, false);
      expect(patched.subarray(0, 5).toString()).toBe('%PDF-');
      expect(patched.equals(plainFirst)).toBe(true);
      expect(plainAfter.equals(plainFirst)).toBe(true);
      expect((await render(input, true)).equals(patched)).toBe(true);
    },
    120_000,
  );
});
