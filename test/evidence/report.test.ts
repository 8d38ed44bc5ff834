import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { evaluateCatalog } from '../../evidence/evaluate.ts';
import { buildBundle, serializeBundle } from '../../evidence/bundle/build.ts';
import { buildMapping } from '../../evidence/mapping/mapping.ts';
import { buildChangelog } from '../../evidence/mapping/releases.ts';
import { renderMarkdown } from '../../evidence/report/markdown.ts';
import { renderPdf } from '../../evidence/report/pdf.ts';
import { startPdfThread } from '../../evidence/report/pdf-thread.ts';
import { sha256Hex } from '../../platform/kernel/canonical.ts';
import type { Control } from '../../controls/types.ts';
import type { ReportInput } from '../../evidence/report/model.ts';
import { fixtureCatalog, fixtureChecks, fixtureControls, fixtureParts, type FixtureState } from '../fixtures/evidence/fixture.ts';

const PLATFORM = { schemaVersion: '0003_audit', postgresVersion: '17.2', gitCommit: '0123456789abcdef0123456789abcdef01234567' };
const AT = new Date('2026-11-21T12:00:00Z');

function reportInput(state: FixtureState = {}, controls: Control[] = fixtureControls()): ReportInput {
  const catalog = fixtureCatalog(controls);
  const parts = fixtureParts(state);
  const { evaluations, summary } = evaluateCatalog(catalog, parts, { findCheck: (id) => fixtureChecks.find((c) => c.id === id) });
  const bundle = buildBundle({ catalog, parts, evaluations, summary, platform: PLATFORM, developmentSigningKey: true });
  const bundleSha256 = sha256Hex(serializeBundle(bundle));
  const released = buildMapping(reportInputBase(), 'a'.repeat(64));
  return { bundle, bundleSha256, generatedAt: AT, changelog: buildChangelog([released], buildMapping(bundle, bundleSha256)) };
}
/** The "previous release": the healthy fixture with one control fewer. */
function reportInputBase() {
  const controls = fixtureControls().filter((c) => c.id !== 'soc2_type2_audited');
  const catalog = fixtureCatalog(controls, '0.9.0');
  const parts = fixtureParts();
  const { evaluations, summary } = evaluateCatalog(catalog, parts, { findCheck: (id) => fixtureChecks.find((c) => c.id === id) });
  return buildBundle({ catalog, parts, evaluations, summary, platform: PLATFORM, developmentSigningKey: true });
}

function pdftotext(pdf: Buffer, ...args: string[]): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'trust-pdf-'));
  const file = path.join(dir, 'r.pdf');
  writeFileSync(file, pdf);
  return execFileSync('/usr/bin/pdftotext', [...args, file, '-'], { maxBuffer: 256 * 1024 * 1024 }).toString();
}

describe('report.md', () => {
  it('golden: healthy fixture platform', async () => {
    await expect(renderMarkdown(reportInput())).toMatchFileSnapshot('golden/report-holds.md');
  });
  it('golden: a regression, an unsupported claim and a control ready to promote', async () => {
    await expect(renderMarkdown(reportInput({ tokensEncrypted: false, diskFound: false, rotation: true }))).toMatchFileSnapshot('golden/report-findings.md');
  });
});

/** Many controls with long text, to exercise wrapping and page breaks. */
function bigControls(): Control[] {
  const base = fixtureControls();
  const extra: Control[] = Array.from({ length: 60 }, (_, i) => ({
    ...base[1],
    id: `synthetic_control_${String(i).padStart(2, '0')}_with_a_rather_long_identifier`,
    title: `Synthetic control number ${i} with a long title that must wrap inside the table cells`,
    description: 'A long description. '.repeat(40 + (i % 5) * 30),
  }));
  return [...base, ...extra];
}

describe('report.pdf', () => {
  const input = reportInput({ tokensEncrypted: false }, bigControls());
  let pdf: Buffer;

  it('is a valid PDF (qpdf --check) and deterministic for the same run time', async () => {
    pdf = await renderPdf(input);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'trust-pdf-'));
    writeFileSync(path.join(dir, 'r.pdf'), pdf);
    expect(execFileSync('/usr/bin/qpdf', ['--check', path.join(dir, 'r.pdf')]).toString()).toContain('No syntax or stream encoding errors');
    expect((await renderPdf(input)).equals(pdf)).toBe(true);
  });

  it('renders the same bytes on its own thread (as the gate does) as in this one', async () => {
    const thread = startPdfThread();
    try {
      expect((await thread.render(input)).equals(pdf)).toBe(true);
      // A failure comes back as a rejection, and the thread still serves the next report.
      await expect(thread.render({ ...input, bundle: null } as never)).rejects.toThrow(/null/);
      expect((await thread.render(input)).equals(pdf)).toBe(true);
    } finally {
      await thread.stop();
    }
  });

  it('has extractable text naming every control, a cover and a footer with page number and bundle hash on every page', () => {
    const text = pdftotext(pdf, '-layout');
    for (const c of input.bundle.catalog.controls) expect(text, c.id).toContain(c.id);
    const pages = text.split('\f').filter((p) => p.trim());
    expect(pages.length).toBeGreaterThan(10);
    pages.forEach((p, i) => {
      expect(p).toContain(`Page ${i + 1} of ${pages.length}`);
      expect(p).toContain(`bundle SHA-256 ${input.bundleSha256}`);
    });
    expect(pages[0]).toContain('Harbor Cloud');
    expect(pages[0]).toContain('1.0.0');
    expect(pages[0]).toContain('2026-11-21 12:00:00 UTC');
    expect(pages[0]).toContain(input.bundleSha256);
    expect(pages[1]).toContain('Contents');
    expect(text).toContain('SOC 2 mapping matrix');
    expect(text).toContain('ISO/IEC 27001 mapping matrix');
  });

  it('states on its first page what was assessed, by which tool and commit, and the signing key to pin', async () => {
    const fingerprint = 'f'.repeat(16) + '0123456789abcdef'.repeat(3);
    const scoped: ReportInput = {
      ...input,
      bundle: { ...input.bundle, platform: { ...PLATFORM, environment: { kind: 'embedded', server: '127.0.0.1:5433', database: 'trust', fsync: 'off' } } },
      signingKeySha256: fingerprint,
      toolVersion: '0.1.0',
    };
    const front = pdftotext(await renderPdf(scoped), '-layout', '-l', '1');
    expect(front).toMatch(/Assessed\s+Demo workload on the embedded PostgreSQL 17\.2/);
    expect(front).toContain('fsync off');
    expect(front).toMatch(/Tool\s+trust-evidence 0\.1\.0, commit 0123456789ab/);
    expect(front).toMatch(/Catalog version\s+1\.0\.0/);
    expect(front).toMatch(new RegExp(`Signing key SHA-256\\s+${fingerprint}\n`));
    expect(front).toContain('Signed with a DEVELOPMENT key');
    const whole = pdftotext(await renderPdf(scoped), '-layout');
    expect(whole).toContain('Exceptions: controls that are not live');
    expect(whole).not.toMatch(/harbor[\w-]*\.pem/);
    expect(whole).toContain('npx trust verify out/bundle.json --key out/bundle.pub.pem');
  });

  it('has a PDF outline (bookmarks) with every section and control', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'trust-pdf-'));
    writeFileSync(path.join(dir, 'r.pdf'), pdf);
    const json = JSON.parse(execFileSync('/usr/bin/qpdf', ['--json', '--json-key=outlines', path.join(dir, 'r.pdf')]).toString());
    const titles: string[] = [];
    const walk = (items: { title: string; kids: unknown[] }[]) =>
      items.forEach((o) => {
        titles.push(o.title);
        walk(o.kids as never);
      });
    walk(json.outlines);
    expect(titles).toContain('Contents');
    expect(titles).toContain('3. Summary');
    expect(titles).toContain('4. Controls');
    for (const c of input.bundle.catalog.controls)
      expect(
        titles.some((t) => t.startsWith(`${c.id}:`)),
        c.id,
      ).toBe(true);
  });

  it('is tagged (pdfinfo Tagged: yes) with a language, and embeds every font (pdffonts)', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'trust-pdf-'));
    const file = path.join(dir, 'r.pdf');
    writeFileSync(file, pdf);
    const info = execFileSync('/usr/bin/pdfinfo', [file]).toString();
    expect(info).toMatch(/^Tagged:\s+yes$/m);
    const fonts = execFileSync('/usr/bin/pdffonts', [file]).toString().split('\n');
    const dash = fonts.findIndex((l) => l.startsWith('---'));
    const rows = fonts.slice(dash + 1).filter((l) => l.trim());
    expect(rows.length).toBeGreaterThan(0);
    // Columns: name type encoding emb sub uni object ID; "emb" is the fourth from the end.
    const notEmbedded = rows.filter((l) => l.trim().split(/\s+/).slice(-5)[0] !== 'yes');
    expect(notEmbedded).toEqual([]);
    expect(rows.every((l) => /DejaVu/.test(l))).toBe(true);
    const raw = pdf.toString('latin1');
    expect(raw).toMatch(/\/MarkInfo\s+\d+ 0 R/);
    expect(raw).toMatch(/\/Marked true/);
    expect(raw).toMatch(/\/StructTreeRoot\s+\d+ 0 R/);
    expect(raw).toMatch(/\/Lang \(en\)/);
  });

  it('has structure elements: headings, tables with TH header cells, lists, links and a figure with alternative text', () => {
    // Structure element dictionaries are plain (uncompressed) objects: count them by type.
    const raw = pdf.toString('latin1');
    const count = (type: string) => (raw.match(new RegExp(`/S /${type}\\b`, 'g')) ?? []).length;
    for (const type of ['Document', 'H1', 'H2', 'P', 'Table', 'TR', 'TH', 'TD', 'L', 'LI', 'Lbl', 'LBody', 'Link', 'Figure', 'TOC', 'TOCI']) expect(count(type), type).toBeGreaterThan(0);
    expect(count('H1')).toBeGreaterThanOrEqual(7);
    expect(count('H2')).toBeGreaterThanOrEqual(input.bundle.catalog.controls.length);
    // The status chart is vector graphics: its alternative text states every bar.
    const alt = /\/S \/Figure[\s\S]*?\/Alt \(([^)]*)\)/.exec(raw) ?? /\/Alt \(([^)]*)\)[\s\S]*?\/S \/Figure/.exec(raw);
    expect(alt?.[1]).toMatch(/^Bar chart of observed control status\. All controls: \d+ live, \d+ designed, \d+ roadmap\./);
    // Header cells say what they head.
    expect(raw).toMatch(/\/S \/TH[\s\S]{0,200}?\/Scope \/Column/);
    // Every page's content is marked: no page without marked content.
    expect((raw.match(/\/StructParents \d+/g) ?? []).length).toBeGreaterThan(0);
  });

  it('never draws text outside the page body (tables wrap and break across pages)', () => {
    const bbox = pdftotext(pdf, '-bbox');
    const page = /<page width="([\d.]+)" height="([\d.]+)">/.exec(bbox)!;
    const [w, h] = [Number(page[1]), Number(page[2])];
    const words = [...bbox.matchAll(/<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</g)];
    expect(words.length).toBeGreaterThan(1000);
    const outside = words.filter((m) => Number(m[1]) < 50 || Number(m[3]) > w - 50 || Number(m[2]) < 40 || Number(m[4]) > h - 24).map((m) => m[5]);
    expect(outside).toEqual([]);
    // Body text stays above the footer rule (footer words are the only ones below it).
    const footerTop = h - 56 - 2;
    const below = words.filter((m) => Number(m[2]) > footerTop).map((m) => m[5]);
    expect(
      below.every((t) => /^(Harbor|Cloud|trust|report,|catalog|1\.0\.0|Page|\d+|of|bundle|SHA-256|[0-9a-f]{64})$/.test(t)),
      below
        .filter((t) => !/^(Harbor|Cloud|trust|report,|catalog|1\.0\.0|Page|\d+|of|bundle|SHA-256|[0-9a-f]{64})$/.test(t))
        .slice(0, 5)
        .join(' '),
    ).toBe(true);
  });
});
