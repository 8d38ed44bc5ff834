/**
 * zod's interpreter (evidence/cli/zod-jitless.ts, the CLI's default) and its JIT give the same
 * result, data and issues alike, for every collector's facts on a demo platform, for the
 * bundle, and for broken values.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createTestDatabase } from '../helpers/db.ts';
import { runBulkDemo } from '../../platform/demo/bulk.ts';
import { loadCatalog } from '../../controls/loader.ts';
import { runCollectors } from '../../collectors/run.ts';
import { COLLECTORS } from '../../collectors/registry.ts';
import { BundleSchema } from '../../evidence/types.ts';
import { evaluateCatalog } from '../../evidence/evaluate.ts';
import { buildBundle } from '../../evidence/bundle/build.ts';
import { configureZod, zodJitlessEnabled } from '../../evidence/cli/zod-jitless.ts';
import { findCheck } from '../../controls/checks/registry.ts';
import { randomKeyringJson } from '../helpers/demo-database.ts';

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let facts: Record<string, unknown>;
let bundle: unknown;

/** The result of a parse, comparable: data on success, the issues on failure. */
function both(schema: z.ZodTypeAny, value: unknown): { jit: unknown; jitless: unknown } {
  const once = () => {
    const r = schema.safeParse(structuredClone(value));
    return r.success ? { data: r.data } : { issues: r.error.issues };
  };
  try {
    z.config({ jitless: false });
    const jit = once();
    z.config({ jitless: true });
    return { jit, jitless: once() };
  } finally {
    configureZod();
  }
}

beforeAll(async () => {
  process.env.TRUST_KEYRING = randomKeyringJson();
  db = await createTestDatabase();
  await runBulkDemo(db, { scale: 1, seed: 3, log: () => {} });
  const catalog = await loadCatalog(process.cwd());
  const run = await runCollectors(db, { root: process.cwd(), now: new Date(), catalog, auditVerification: 'incremental' });
  facts = Object.fromEntries(Object.entries(run.parts).map(([id, p]) => [id, p.facts]));
  const { evaluations, summary } = evaluateCatalog(catalog, run.parts, { findCheck });
  bundle = JSON.parse(
    JSON.stringify(buildBundle({ catalog, parts: run.parts, evaluations, summary, platform: { schemaVersion: 'x', postgresVersion: '17', gitCommit: '0'.repeat(40) }, developmentSigningKey: true })),
  );
}, 600_000);
afterAll(async () => {
  await db?.drop();
});

describe('zod without its JIT', () => {
  it("parses every collector's facts and the bundle as the JIT does", () => {
    expect(Object.keys(facts).length).toBe(COLLECTORS.length);
    for (const c of COLLECTORS) {
      const r = both(c.facts, facts[c.id]);
      expect(r.jitless, c.id).toEqual(r.jit);
      expect((r.jit as { data?: unknown }).data, c.id).toBeDefined();
    }
    const r = both(BundleSchema, bundle);
    expect(r.jitless).toEqual(r.jit);
  });

  it('reports the same issues for broken values', () => {
    let compared = 0;
    for (const c of COLLECTORS) {
      const value = facts[c.id] as Record<string, unknown>;
      for (const key of Object.keys(value)) {
        // A required field gone, and a field of the wrong type.
        for (const broken of [
          { ...value, [key]: undefined },
          { ...value, [key]: { wrong: [1, 'two'] } },
        ]) {
          const r = both(c.facts, broken);
          expect(r.jitless, `${c.id}.${key}`).toEqual(r.jit);
          compared++;
        }
      }
      for (const v of [null, [], 'facts', {}]) expect(both(c.facts, v).jitless, c.id).toEqual(both(c.facts, v).jit);
    }
    expect(compared).toBeGreaterThan(50);
  });

  it('is on unless TRUST_ZOD_JITLESS=0', () => {
    expect(zodJitlessEnabled({})).toBe(true);
    expect(zodJitlessEnabled({ TRUST_ZOD_JITLESS: '0' })).toBe(false);
  });
});
