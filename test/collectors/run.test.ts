import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { mkdirSync, mkdtempSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createTestDatabase, withClient } from '../helpers/db.ts';
import { runCollectors } from '../../collectors/run.ts';
import { defineCollector } from '../../collectors/types.ts';
import { CollectorError } from '../../collectors/collector-error.ts';
import { COLLECTORS } from '../../collectors/registry.ts';
import type { Catalog } from '../../controls/types.ts';

let db: Awaited<ReturnType<typeof createTestDatabase>>;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.drop();
});

const catalog = { version: '0.0.0', sha256: '', organisation: {} as Catalog['organisation'], controls: [], frameworks: [], mappings: [], files: {} } as Catalog;
const opts = { root: process.cwd(), now: new Date('2026-06-01T00:00:00Z'), catalog, auditVerification: 'incremental' as const };

describe('runCollectors', () => {
  it('runs database collectors as the reader in one read-only, repeatable-read UTC transaction', async () => {
    const probe = defineCollector({
      id: 'probe',
      version: '1',
      description: 'session facts',
      needsDatabase: true,
      facts: z.object({ user: z.string(), readOnly: z.string(), isolation: z.string(), tz: z.string(), same: z.boolean() }),
      async collect(ctx) {
        const [a] = await ctx.sql<{ u: string; ro: string; iso: string; tz: string; x: string }>(
          `SELECT current_user AS u, current_setting('transaction_read_only') AS ro, current_setting('transaction_isolation') AS iso, current_setting('TimeZone') AS tz, 1 AS x`,
        );
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

  it('a collector that asks for connections gets transactions on the same snapshot, as the reader, read-only, in UTC', async () => {
    const session = `SELECT current_user AS u, current_setting('transaction_read_only') AS ro, current_setting('transaction_isolation') AS iso,
      current_setting('TimeZone') AS tz, (SELECT count(*)::int FROM accounts) AS n`;
    let committedMeanwhile = false;
    const probe = defineCollector({
      id: 'probe',
      version: '1',
      description: 'session facts on every connection',
      needsDatabase: true,
      connections: 1,
      facts: z.object({ parallel: z.number(), main: z.unknown(), other: z.unknown() }),
      async collect(ctx) {
        const [main] = await ctx.sql(session);
        // A row committed after the snapshot was taken: a connection on its own snapshot would see it.
        await withClient(db.adminUrl, (c) => c.query(`INSERT INTO accounts (name) VALUES ('committed meanwhile')`));
        committedMeanwhile = true;
        const [other] = await ctx.parallel![0](session);
        return { parallel: ctx.parallel!.length, main, other };
      },
    });
    const r = await runCollectors(db, { ...opts, collectors: [probe] });
    const facts = r.parts.probe.facts as { parallel: number; main: Record<string, unknown>; other: Record<string, unknown> };
    expect(committedMeanwhile).toBe(true);
    expect(facts.parallel).toBe(1);
    expect(facts.main).toMatchObject({ u: 'trust_reader', ro: 'on', iso: 'repeatable read', tz: 'UTC' });
    expect(facts.other).toEqual(facts.main);
    expect(r.queries).toBe(2);
    // A collector that asks for none gets none.
    const plain = defineCollector({
      id: 'plain',
      version: '1',
      description: '',
      needsDatabase: true,
      facts: z.object({ n: z.number() }),
      collect: async (ctx) => ({ n: ctx.parallel?.length ?? 0 }),
    });
    expect((await runCollectors(db, { ...opts, collectors: [plain] })).parts.plain.facts).toEqual({ n: 0 });
  });

  it('a collector that tries to write fails as a CollectorError naming it', async () => {
    const writer = defineCollector({
      id: 'writer',
      version: '1',
      description: 'writes',
      needsDatabase: true,
      facts: z.object({}),
      async collect(ctx) {
        await ctx.sql(`INSERT INTO accounts (name) VALUES ('x')`);
        return {};
      },
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
    const broken = {
      ...db,
      pool: () => {
        throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
      },
    };
    const e = await runCollectors(broken as never, { ...opts, only: ['schema'] }).catch((x) => x);
    expect(e).not.toBeInstanceOf(CollectorError);
    expect(e.code).toBe('ECONNREFUSED');
  });

  it('threaded collectors give the same facts as in this thread; the catalog reaches them once it loads', async () => {
    const code = COLLECTORS.find((c) => c.id === 'code')!;
    const design = COLLECTORS.find((c) => c.id === 'design')!;
    expect(code.ownThread && design.ownThread && design.needsCatalog).toBe(true);
    const { loadCatalog } = await import('../../controls/loader.ts');
    const real = await loadCatalog(process.cwd());
    let resolveCatalog!: (c: Catalog) => void;
    const pending = new Promise<Catalog>((r) => {
      resolveCatalog = r;
    });
    const running = runCollectors(db, { ...opts, catalog: pending, only: ['code', 'design'] });
    setTimeout(() => resolveCatalog(real), 50);
    const threaded = await running;
    const here = { root: opts.root, now: opts.now, options: { auditVerification: 'incremental' as const }, catalog: real, sql: async () => [], progress: () => {} };
    const { sortDeep } = await import('../../collectors/sort.ts');
    expect(threaded.parts.code.facts).toEqual(sortDeep(code.facts.parse(await code.collect(here))));
    expect(threaded.parts.design.facts).toEqual(sortDeep(design.facts.parse(await design.collect(here))));
    expect((threaded.parts.design.facts as { artifacts: unknown[] }).artifacts.length).toBeGreaterThan(0);
  });

  it('threaded collectors whose facts the fact cache holds start no thread, and give the same facts', async () => {
    const { loadCatalog } = await import('../../controls/loader.ts');
    const real = await loadCatalog(process.cwd());
    const saved = { dir: process.env.TRUST_DATA_DIR, off: process.env.TRUST_FACT_CACHE };
    process.env.TRUST_DATA_DIR = mkdtempSync(path.join(os.tmpdir(), 'trust-run-cache-'));
    process.env.TRUST_FACT_CACHE = '1'; // on, also where CI is set (fact-cache.ts)
    try {
      const run = () => runCollectors(db, { ...opts, catalog: real, only: ['code', 'design'] });
      const first = await run();
      expect(first.fromCache).toEqual([]);
      const second = await run();
      expect(second.fromCache).toEqual(['code', 'design']);
      expect(second.parts).toEqual(first.parts);
      process.env.TRUST_FACT_CACHE = '0';
      const off = await run();
      expect(off.fromCache).toEqual([]);
      expect(off.parts).toEqual(first.parts);
    } finally {
      for (const [k, v] of [
        ['TRUST_DATA_DIR', saved.dir],
        ['TRUST_FACT_CACHE', saved.off],
      ] as const) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  });

  it('on lanes, the others start once the probing collector says its lock-taking attempts are done; on one lane, after it', async () => {
    for (const lanes of [3, 1]) {
      const events: string[] = [];
      const probing = defineCollector({
        id: 'aprobe',
        version: '1',
        description: '',
        needsDatabase: true,
        needsRuntime: true,
        facts: z.object({}),
        async collect(ctx) {
          events.push('lock-taking attempts');
          await new Promise((r) => setTimeout(r, 30));
          ctx.readersMayStart?.();
          await new Promise((r) => setTimeout(r, 150));
          events.push('probes done');
          return {};
        },
      });
      const reader = defineCollector({
        id: 'reader',
        version: '1',
        description: '',
        needsDatabase: true,
        facts: z.object({}),
        async collect(ctx) {
          events.push('reader starts');
          await ctx.sql('SELECT 1');
          return {};
        },
      });
      await runCollectors(db, { ...opts, collectors: [probing, reader], lanes });
      expect(events, `lanes ${lanes}`).toEqual(lanes > 1 ? ['lock-taking attempts', 'reader starts', 'probes done'] : ['lock-taking attempts', 'probes done', 'reader starts']);
    }
  });

  it('a collector reading a catalog it did not declare fails loudly, naming itself', async () => {
    const sneaky = defineCollector({
      id: 'sneaky',
      version: '1',
      description: '',
      needsDatabase: false,
      facts: z.object({ n: z.number() }),
      collect: async (ctx) => ({ n: ctx.catalog.controls.length }),
    });
    await expect(runCollectors(db, { ...opts, collectors: [sneaky] })).rejects.toThrow(/collector sneaky failed: collector sneaky reads the catalog but does not declare needsCatalog/);
  });

  it('a failing threaded collector is a CollectorError naming it, and the failure is not lost', async () => {
    // A source file that cannot be read: a dangling symlink.
    const root = mkdtempSync(path.join(os.tmpdir(), 'trust-thread-'));
    mkdirSync(path.join(root, 'platform'));
    symlinkSync(path.join(root, 'gone.ts'), path.join(root, 'platform', 'broken.ts'));
    const e = await runCollectors(db, { ...opts, root, only: ['code'] }).catch((x) => x);
    expect(e).toBeInstanceOf(CollectorError);
    expect(e.collector).toBe('code');
    expect(e.message).toMatch(/^collector code failed: ENOENT.*broken\.ts/);
  });
});
