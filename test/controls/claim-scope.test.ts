import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineCheck } from '../../controls/checks/types.ts';
import { coveredNouns, uncoveredPhrases, universalPhrases } from '../../controls/claim-scope.ts';

const everyTable = defineCheck({
  id: 'every_table',
  kind: 'structure',
  description: 'x',
  collectors: [],
  params: z.object({ tables: z.string().optional() }).strict(),
  // Covers every table only when no pattern narrows it.
  scope: (p) => (p.tables ? [] : ['table', 'column']),
  evaluate: () => [],
});
const named = defineCheck({ id: 'named', kind: 'structure', description: 'x', collectors: [], params: z.object({}).strict(), evaluate: () => [] });
const find = (id: string) => [everyTable, named].find((c) => c.id === id);

describe('claim scope', () => {
  it('finds universal phrases once each, whatever their case and number', () => {
    expect(universalPhrases('No table can hold a body; no tables, Every secret and each Agent.').map((p) => `${p.text}:${p.noun}`)).toEqual([
      'No table:table',
      'Every secret:secret',
      'each Agent:agent',
    ]);
    expect(universalPhrases('The agents table refuses updates.')).toEqual([]);
  });

  it('refuses a claim wider than its checks, and accepts it once a check covers every object', () => {
    const control = { statement: 'No table can hold a request body.', checks: [{ check: 'named', params: {} }] };
    expect(uncoveredPhrases(control, find).map((p) => p.text)).toEqual(['No table']);
    const narrowed = { ...control, checks: [{ check: 'every_table', params: { tables: '^usage' } }] };
    expect(uncoveredPhrases(narrowed, find).map((p) => p.text)).toEqual(['No table']);
    const whole = { ...control, checks: [{ check: 'every_table', params: {} }] };
    expect(uncoveredPhrases(whole, find)).toEqual([]);
  });

  it('reads the claim as well as the statement', () => {
    const control = { statement: 'Bodies are not kept.', claim: 'No column holds a body.', checks: [{ check: 'named', params: {} }] };
    expect(uncoveredPhrases(control, find).map((p) => p.noun)).toEqual(['column']);
  });

  it('covers nothing with parameters that do not parse', () => {
    expect(coveredNouns(everyTable, { tables: 3 })).toEqual([]);
  });
});

describe('the catalog rule', () => {
  it('refuses a live control whose statement promises more than its checks cover, at the statement', async () => {
    const { realCatalogCopy } = await import('../helpers/catalog-fixture.ts');
    const { loadCatalog } = await import('../../controls/loader.ts');
    const { readFile, writeFile } = await import('node:fs/promises');
    const path = await import('node:path');
    const copy = await realCatalogCopy();
    try {
      // Untouched, the real catalog holds.
      await expect(loadCatalog(copy.root)).resolves.toBeTruthy();
      // session_cookies_hardened checks the cookies the platform sets; "every table" is wider.
      const file = path.join(copy.root, 'controls/catalog/session_cookies_hardened.yaml');
      const text = await readFile(file, 'utf8');
      await writeFile(file, text.replace(/^statement: >-\n/m, 'statement: >-\n  Every table is encrypted too.\n'));
      const err = await loadCatalog(copy.root).then(
        () => null,
        (e: unknown) => e as Error & { diagnostics?: { file: string; line: number; pointer: string; message: string }[] },
      );
      expect(err?.diagnostics?.map((d) => [d.file, d.pointer])).toEqual([['controls/catalog/session_cookies_hardened.yaml', '/statement']]);
      expect(err?.diagnostics?.[0].message).toMatch(/promises "Every table", but no check of this live control covers every table/);
    } finally {
      await copy.cleanup();
    }
  });
});
