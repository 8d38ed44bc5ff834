/**
 * The PDF warm-up (evidence/report/pdf-warmup.ts) only fills the shared layout caches: a
 * report rendered after it is the same, byte for byte, as one rendered by a process that
 * never warmed up. Each side gets fresh copies of the report modules, so fresh caches.
 */
import { describe, expect, it, vi } from 'vitest';
import { evaluateCatalog } from '../../evidence/evaluate.ts';
import { buildBundle, serializeBundle } from '../../evidence/bundle/build.ts';
import { buildMapping } from '../../evidence/mapping/mapping.ts';
import { buildChangelog } from '../../evidence/mapping/releases.ts';
import { sha256Hex } from '../../platform/kernel/canonical.ts';
import type { ReportInput } from '../../evidence/report/model.ts';
import type { Catalog } from '../../controls/types.ts';
import { fixtureCatalog, fixtureChecks, fixtureControls, fixtureParts } from '../fixtures/evidence/fixture.ts';

const PLATFORM = { schemaVersion: '0003_audit', postgresVersion: '17.2', gitCommit: '0123456789abcdef0123456789abcdef01234567' };

function reportInput(): { input: ReportInput; catalog: Catalog } {
  const catalog = fixtureCatalog(fixtureControls());
  const parts = fixtureParts({ tokensEncrypted: false });
  const { evaluations, summary } = evaluateCatalog(catalog, parts, { findCheck: (id) => fixtureChecks.find((c) => c.id === id) });
  const bundle = buildBundle({ catalog, parts, evaluations, summary, platform: PLATFORM, developmentSigningKey: true });
  const bundleSha256 = sha256Hex(serializeBundle(bundle));
  return { catalog, input: { bundle, bundleSha256, generatedAt: new Date('2026-11-21T12:00:00Z'), changelog: buildChangelog([], buildMapping(bundle, bundleSha256)) } };
}

/** Fresh report modules: fonts parsed anew, empty layout caches. */
async function freshModules() {
  vi.resetModules();
  const [pdf, warmup, patches] = await Promise.all([import('../../evidence/report/pdf.ts'), import('../../evidence/report/pdf-warmup.ts'), import('../../evidence/report/pdfkit-patches.ts')]);
  return { renderPdf: pdf.renderPdf, ...warmup, sharedLayoutWords: patches.sharedLayoutWords };
}

describe('PDF warm-up', () => {
  it('shapes the catalog words ahead, and the report after it has the same bytes as a cold one', async () => {
    const { input, catalog } = reportInput();
    const cold = await freshModules();
    expect(cold.sharedLayoutWords()).toBe(0);
    const coldPdf = await cold.renderPdf(input);

    const warm = await freshModules();
    expect(warm.sharedLayoutWords()).toBe(0);
    await warm.warmPdfFonts(warm.catalogTexts(catalog));
    // The words of the control titles are shaped before any report is drawn.
    expect(warm.sharedLayoutWords()).toBeGreaterThan(100);
    const warmPdf = await warm.renderPdf(input);
    expect(warmPdf.equals(coldPdf)).toBe(true);
  });

  it('stops when told a render is waiting, and is switched off with TRUST_PDF_WARMUP=0', async () => {
    const { catalog } = reportInput();
    const m = await freshModules();
    await m.warmPdfFonts(m.catalogTexts(catalog), () => true);
    expect(m.sharedLayoutWords()).toBe(0);
    expect(m.pdfWarmupEnabled({ TRUST_PDF_WARMUP: '0' })).toBe(false);
    expect(m.pdfWarmupEnabled({ TRUST_PDFKIT_PATCHES: '0' })).toBe(false);
    expect(m.pdfWarmupEnabled({})).toBe(true);
  });
});
