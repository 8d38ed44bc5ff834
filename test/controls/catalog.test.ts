/**
 * Consistency of the real catalog in controls/: it loads, every file is what its name
 * says, every control is mapped, designed controls point at files that exist, and
 * nothing published repeats a seed's company names.
 */
import { describe, expect, it, beforeAll } from 'vitest';
import { readFile, readdir } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { loadCatalog } from '../../controls/loader.ts';
import { CATEGORIES, STATUSES, type Catalog } from '../../controls/types.ts';
import { summarise } from '../../evidence/cli/commands/catalog.ts';

const REPO = path.resolve(import.meta.dirname, '../..');
let catalog: Catalog;

async function walk(dir: string): Promise<string[]> {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    if (e.name === 'node_modules' || e.name === '.astro') continue;
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...(await walk(p)));
    else out.push(p);
  }
  return out.sort();
}

beforeAll(async () => {
  catalog = await loadCatalog(REPO);
});

describe('the Harbor Cloud catalog', () => {
  it('is large enough and uses every status', () => {
    expect(catalog.controls.length).toBeGreaterThanOrEqual(48);
    for (const s of STATUSES) expect(catalog.controls.some((c) => c.status === s)).toBe(true);
    for (const c of catalog.controls) expect(CATEGORIES).toContain(c.category);
  });

  it('has one file per control, named by its id, starting with the schema comment', async () => {
    const dir = path.join(REPO, 'controls/catalog');
    const files = (await readdir(dir)).filter((f) => f.endsWith('.yaml')).sort();
    expect(files).toEqual(catalog.controls.map((c) => `${c.id}.yaml`));
    for (const f of files) {
      const text = await readFile(path.join(dir, f), 'utf8');
      expect(text.split('\n')[0], f).toBe('# yaml-language-server: $schema=../schema/control.schema.json');
      expect(text, f).toMatch(new RegExp(`^id: ${f.replace('.yaml', '')}$`, 'm'));
    }
  });

  it('has top-level `id:` lines only in control files (the acceptance scripts collect ids that way)', async () => {
    for (const f of await walk(path.join(REPO, 'controls'))) {
      if (!/\.ya?ml$/.test(f) || path.dirname(f) === path.join(REPO, 'controls/catalog')) continue;
      expect(/^id:/m.test(await readFile(f, 'utf8')), path.relative(REPO, f)).toBe(false);
    }
  });

  it('maps every control to SOC 2 and ISO 27001, and every privacy control to GDPR', () => {
    const mappedIn = (fw: string) =>
      new Set(
        Object.values(catalog.mappings.find((m) => m.framework === fw)?.criteria ?? {})
          .flat()
          .map((e) => e.control),
      );
    const soc2 = mappedIn('soc2');
    const iso = mappedIn('iso27001');
    const gdpr = mappedIn('gdpr');
    for (const c of catalog.controls) {
      expect(soc2.has(c.id), `${c.id} in soc2`).toBe(true);
      expect(iso.has(c.id), `${c.id} in iso27001`).toBe(true);
      if (c.category === 'privacy') expect(gdpr.has(c.id), `${c.id} in gdpr`).toBe(true);
    }
  });

  it('lists every criterion of the frameworks in scope', () => {
    const count = (id: string) => catalog.frameworks.find((f) => f.id === id)?.criteria.length;
    expect(count('soc2')).toBe(61);
    expect(count('iso27001')).toBe(93);
    expect(count('gdpr')).toBe(6);
  });

  it('gives every mapping a semantic version', () => {
    for (const m of catalog.mappings) expect(m.version, m.framework).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('names design artifacts that exist, with their resource in the file', async () => {
    for (const c of catalog.controls.filter((x) => x.status === 'designed')) {
      for (const a of c.artifacts) {
        const file = path.join(REPO, a.file);
        expect(existsSync(file), `${c.id}: ${a.file}`).toBe(true);
        if (!a.resource || !existsSync(file)) continue;
        // Addresses end in a name (Kind/name, type.name, rule/name, key): that name must be in the file.
        const name = a.resource.split(/[/.]/).at(-1)!;
        expect(await readFile(file, 'utf8'), `${c.id}: ${a.resource} in ${a.file}`).toContain(name);
      }
    }
  });

  it('marks every design artifact under platform/infra as not deployed', async () => {
    for (const f of await walk(path.join(REPO, 'platform/infra'))) {
      if (f.endsWith('README.md')) continue;
      expect(await readFile(f, 'utf8'), path.relative(REPO, f)).toContain('DESIGN, NOT DEPLOYED');
    }
  });

  it('has a disclosure policy and subprocessors with purpose and location', () => {
    const o = catalog.organisation;
    expect(o.name).toBe('Harbor Cloud');
    expect(o.disclosure.contact).toContain('security@harborcloud.example');
    expect(o.subprocessors.length).toBeGreaterThanOrEqual(4);
    for (const s of o.subprocessors) expect(s.purpose.length * s.location.length).toBeGreaterThan(0);
  });

  it('summarises by status, category and framework', () => {
    const s = summarise(catalog);
    expect(Object.values(s.byStatus).reduce((a, b) => a + b, 0)).toBe(catalog.controls.length);
    expect(Object.values(s.byCategory).reduce((a, b) => a + b, 0)).toBe(catalog.controls.length);
    expect(s.frameworks.map((f) => f.id)).toEqual(['gdpr', 'iso27001', 'soc2']);
    for (const f of s.frameworks) expect(f.criteriaMapped).toBeGreaterThan(0);
  });
});

describe('published text', () => {
  // Seed pages lend us facts, never their words or their names.
  const SEED_NAMES = /crabglamp|lobstack|glassmkr|clawy|crucible/i;

  it('names no seed company under controls/ or site/', async () => {
    const offenders: string[] = [];
    for (const dir of ['controls', 'site']) {
      for (const f of await walk(path.join(REPO, dir))) {
        if (/\.(png|jpg|jpeg|gif|ico|woff2?|pdf)$/i.test(f)) continue;
        if (SEED_NAMES.test(await readFile(f, 'utf8'))) offenders.push(path.relative(REPO, f));
      }
    }
    expect(offenders).toEqual([]);
  });
});
