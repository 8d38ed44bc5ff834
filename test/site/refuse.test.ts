/**
 * The publishing gate: a bundle in which a control claimed live fails a check must
 * not become a site. buildSite refuses before Astro runs, naming the control and the
 * check; the site's own loader refuses the same bundle, so `astro build` cannot
 * publish it either.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildSite, SiteRefusedError } from '../../evidence/site/build.ts';
import { loadEvidence } from '../../site/lib/evidence.ts';
import type { Bundle } from '../../evidence/types.ts';
import { loadCatalog } from '../../controls/loader.ts';
import { syntheticBundle, writeSignedBundle } from '../bench/workloads/catalog-bundle.ts';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'trust-site-refuse-'));
/** Signed evidence over the committed catalog in which every claim holds. */
const FIXTURE = path.join(tmp, 'holds');
beforeAll(async () => {
  const catalog = await loadCatalog(path.resolve(import.meta.dirname, '../..'));
  mkdirSync(FIXTURE);
  await writeSignedBundle(FIXTURE, syntheticBundle(catalog.controls.length, catalog));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A copy of that evidence in which the given live control's check fails. */
function failingBundle(control: string): string {
  const dir = path.join(tmp, control);
  mkdirSync(dir, { recursive: true });
  for (const f of readdirSync(FIXTURE)) if (f.endsWith('.json') || f.endsWith('.pem')) copyFileSync(path.join(FIXTURE, f), path.join(dir, f));
  const bundle = JSON.parse(readFileSync(path.join(FIXTURE, 'bundle.json'), 'utf8')) as Bundle;
  const e = bundle.evaluations.find((x) => x.control === control)!;
  expect(e.claimed).toBe('live');
  const finding = { status: 'fail' as const, reason: 'Table `public.audit_events` allows UPDATE by role `trust_app`.', origin: { resource: 'table:public.audit_events' } };
  e.checks[0] = { ...e.checks[0]!, status: 'fail', findings: [finding] };
  e.observed = 'designed';
  e.verdict = 'regression';
  e.findings = [{ ...finding, check: e.checks[0]!.check }];
  writeFileSync(path.join(dir, 'bundle.json'), JSON.stringify(bundle, null, 2));
  return path.join(dir, 'bundle.json');
}

describe('site publishing gate', () => {
  it('refuses to build when a live control fails, naming the control and its check', async () => {
    const bundlePath = failingBundle('audit_events_append_only');
    const outDir = path.join(tmp, 'dist');
    const err = await buildSite({ bundlePath, outDir }).catch((e) => e);
    expect(err).toBeInstanceOf(SiteRefusedError);
    expect((err as SiteRefusedError).controls).toEqual(['audit_events_append_only']);
    expect((err as Error).message).toContain('control audit_events_append_only is claimed live but observed designed');
    expect((err as Error).message).toContain('allows UPDATE by role `trust_app`');
    expect(existsSync(path.join(outDir, 'index.html'))).toBe(false);
  });

  it('the site loader refuses the same bundle, so a direct astro build cannot publish it', () => {
    const bundlePath = failingBundle('resource_region_pinned');
    expect(() => loadEvidence(bundlePath)).toThrow(/refusing to build the site: control resource_region_pinned is claimed live but observed designed/);
  });

  it('accepts the unmodified evidence (the gate is not always closed)', () => {
    const ev = loadEvidence(path.join(FIXTURE, 'bundle.json'));
    expect(ev.controls.length).toBeGreaterThan(0);
    expect(ev.controls.filter((c) => c.evaluation.observed === 'live').length).toBeGreaterThan(0);
    expect(ev.signatureSubjectMatches).toBe(true);
  });
});
