import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createTestDatabase } from '../helpers/db.ts';
import { runCollectors } from '../../collectors/run.ts';
import { defineCollector } from '../../collectors/types.ts';
import { CollectorError } from '../../collectors/collector-error.ts';
import { COLLECTORS } from '../../collectors/registry.ts';
import type { Catalog } from '../../controls/types.ts';

let db: Awaited<ReturnType<typeof createTestDatabase>>;
beforeAll(async () => { db = await createTestDatabase(); });
afterAll(async () => { await db.drop(); });

const catalog = { version: '0.0.0', sha256: '', organisation: {} as Catalog['organisation'], controls: [], frameworks: [], mappings: [], files: {} } as Catalog;
const opts = { root: process.cwd(), now: new Date('2026-06-01T00:00:00Z'), catalog, auditVerification: 'incremental' as const };

describe('runCollectors', () => {
  it('runs database collectors as the reader in one read-only, repeatable-read UTC transaction', async () => {
    const probe = defineCollector({
      id: 'probe', version: '1', description: 'session facts', needsDatabase: true,
      facts: z.object({ user: z.string(), readOnly: z.string(), isolation: z.string(), tz: z.string(), same: z.boolean() }),
      async collect(ctx) {
        const [a] = await ctx.sql<{ u: string; ro: string; iso: string; tz: string; x: string }>(
          `SELECT current_user AS u, current_setting('transaction_read_only') AS ro, current_setting('transaction_isolation') AS iso, current_setting('TimeZone') AS tz, 1 AS x`);
        const [c] = await ctx.sql<{ t: string }>('SELECT now()::text AS t');
        const [d] = await ctx.sql<{ t: string }>('SELECT now()::text AS t');
        return { user: a.u, readOnly: a.ro, isolation: a.iso, tz: a.tz, same: c.t === d.t };
      },
    });
    const r = await runCollectors(db, { ...opts, collectors: [probe] });
    expect(r.parts.probe.facts).toEqual({ user: 'trust_reader', readOnly: 'on', isolation: 'repeatable read', same: true, tz: 'UTC' });
    expect(r.queries).toBe(3);
    expect(Object.keys(r.timings)).toEqual(['probe']);
  });

  it('a collector that tries to write fails as a CollectorError naming it', async () => {
    const writer = defineCollector({
      id: 'writer', version: '1', description: 'writes', needsDatabase: true, facts: z.object({}),
      async collect(ctx) { await ctx.sql(`INSERT INTO accounts (name) VALUES ('x')`); return {}; },
    });
    const e = await runCollectors(db, { ...opts, collectors: [writer] }).catch((x) => x);
    expect(e).toBeInstanceOf(CollectorError);
    expect(e.collector).toBe('writer');
    expect(e.message).toMatch(/^collector writer failed: .*read-only transaction/);
  });

  it('facts that break the schema are refused; keys come out sorted', async () => {
    const bad = defineCollector({ id: 'bad', version: '1', description: '', needsDatabase: false, facts: z.object({ n: z.number() }), collect: async () => ({ n: 'x' as unknown as number }) });
    await expect(runCollectors(db, { ...opts, collectors: [bad] })).rejects.toThrow(/collector bad failed: facts do not match the collector's schema at \/n/);
    const unsorted = defineCollector({ id: 'u', version: '1', description: '', needsDatabase: false, facts: z.object({ b: z.number(), a: z.number() }), collect: async () => ({ b: 1, a: 2 }) });
    const r = await runCollectors(db, { ...opts, collectors: [unsorted] });
    expect(JSON.stringify(r.parts.u.facts)).toBe('{"a":2,"b":1}');
  });

  it('rejects unknown collector ids and lists the registry in id order', async () => {
    await expect(runCollectors(db, { ...opts, only: ['nope'] })).rejects.toThrow(/unknown collector id\(s\): nope/);
    const ids = COLLECTORS.map((c) => c.id);
    expect(ids).toEqual([...ids].sort());
  });

  it('an unreachable database is an error of the environment, not of a collector', async () => {
    const broken = { ...db, pool: () => { throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }); } };
    const e = await runCollectors(broken as never, { ...opts, only: ['schema'] }).catch((x) => x);
    expect(e).not.toBeInstanceOf(CollectorError);
    expect(e.code).toBe('ECONNREFUSED');
  });
});
