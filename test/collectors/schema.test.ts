import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { createTestDatabase, withClient } from '../helpers/db.ts';
import schemaCollector, { introspectSchema, SchemaFactsSchema } from '../../collectors/schema.ts';
import { findTable } from '../../controls/checks/schema-helpers.ts';
import { countingSql, runCollectors } from '../../collectors/run.ts';

let db: Awaited<ReturnType<typeof createTestDatabase>>;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.drop();
});

async function introspectAsReader(counter = { queries: 0 }) {
  const client = await db.pool('reader').connect();
  try {
    await client.query('BEGIN TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const facts = await introspectSchema(countingSql(client, counter));
    await client.query('COMMIT');
    return facts;
  } finally {
    client.release();
  }
}

const admin = <T>(fn: (c: pg.Client) => Promise<T>) => withClient(db.adminUrl, fn);

describe('schema collector', () => {
  it('describes tables, constraints, triggers, policies, grants and roles, with no OIDs', async () => {
    await admin((c) =>
      c.query(`
      CREATE TABLE public.fx_parent (id uuid PRIMARY KEY);
      CREATE TABLE public.fx_child (
        id bigint PRIMARY KEY, parent_id uuid REFERENCES public.fx_parent(id) ON DELETE CASCADE,
        account_id uuid NOT NULL, secret text CONSTRAINT fx_secret_shape CHECK (secret ~ '^tev1:'),
        during tstzrange, EXCLUDE USING gist (account_id WITH =, during WITH &&));
      COMMENT ON COLUMN public.fx_child.secret IS 'ciphertext only';
      ALTER TABLE public.fx_child ENABLE ROW LEVEL SECURITY; ALTER TABLE public.fx_child FORCE ROW LEVEL SECURITY;
      CREATE POLICY fx_account ON public.fx_child TO trust_app USING (account_id IS NOT NULL);
      CREATE FUNCTION public.fx_refuse() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RAISE EXCEPTION 'no'; END$$;
      CREATE TRIGGER fx_no_update BEFORE UPDATE OR DELETE ON public.fx_child FOR EACH ROW EXECUTE FUNCTION public.fx_refuse();
      GRANT SELECT, INSERT ON public.fx_child TO trust_app;
      GRANT SELECT ON public.pgmigrations TO trust_reader;`),
    );
    const facts = await introspectAsReader();
    expect(SchemaFactsSchema.safeParse(facts).success).toBe(true);
    const t = findTable(facts, 'public.fx_child')!;
    expect(t.rls).toEqual({ enabled: true, forced: true });
    expect(t.columns.find((c) => c.name === 'secret')).toMatchObject({ type: 'text', comment: 'ciphertext only' });
    expect(t.constraints.find((c) => c.name === 'fx_secret_shape')).toMatchObject({ kind: 'check', columns: ['secret'] });
    expect(t.constraints.find((c) => c.kind === 'foreign_key')?.references).toMatchObject({ table: 'public.fx_parent', columns: ['id'], onDelete: 'cascade' });
    expect(t.constraints.find((c) => c.kind === 'exclusion')?.definition).toMatch(/EXCLUDE USING gist/);
    expect(t.triggers).toEqual([expect.objectContaining({ name: 'fx_no_update', function: 'public.fx_refuse', enabled: 'O', timing: 'before', level: 'row', events: ['delete', 'update'] })]);
    expect(facts.functions.find((f) => f.name === 'fx_refuse')?.source).toMatch(/RAISE EXCEPTION/);
    expect(t.policies).toEqual([expect.objectContaining({ name: 'fx_account', roles: ['trust_app'], command: 'all' })]);
    expect(
      t.grants
        .filter((g) => g.grantee === 'trust_app')
        .map((g) => g.privilege)
        .sort(),
    ).toEqual(['INSERT', 'SELECT']);
    expect(facts.roles.find((r) => r.name === 'trust_app')).toMatchObject({ superuser: false, bypassRls: false, login: true });
    expect(facts.extensions.map((e) => e.name)).toContain('btree_gist');
    expect(facts.migrations?.length).toBeGreaterThan(0);
    expect(JSON.stringify(facts)).not.toMatch(/"oid"/i);
  });

  it('sends the same number of queries for 10 tables and for 1,000 tables', async () => {
    await admin((c) => c.query(`CREATE SCHEMA bulk; GRANT USAGE ON SCHEMA bulk TO trust_reader`));
    const create = (from: number, to: number) =>
      admin(async (c) => {
        const stmts: string[] = [];
        for (let i = from; i < to; i++) {
          stmts.push(`CREATE TABLE bulk.t${i} (id bigint PRIMARY KEY, account_id uuid, note text CHECK (length(note) < 100));
                    CREATE INDEX ON bulk.t${i} (account_id);
                    ALTER TABLE bulk.t${i} ENABLE ROW LEVEL SECURITY;
                    CREATE POLICY p ON bulk.t${i} USING (account_id IS NOT NULL);`);
        }
        await c.query(stmts.join('\n'));
      });
    await create(0, 10);
    const small = { queries: 0 };
    const f10 = await introspectAsReader(small);
    await create(10, 1000);
    const large = { queries: 0 };
    const t0 = performance.now();
    const f1000 = await introspectAsReader(large);
    const ms = performance.now() - t0;
    expect(f10.tables.filter((t) => t.schema === 'bulk')).toHaveLength(10);
    expect(f1000.tables.filter((t) => t.schema === 'bulk')).toHaveLength(1000);
    expect(large.queries).toBe(small.queries);
    expect(small.queries).toBeLessThanOrEqual(3);
    console.log(`schema collector: ${large.queries} queries, 1,000 extra tables introspected in ${ms.toFixed(0)} ms`);
    await admin((c) => c.query('DROP SCHEMA bulk CASCADE'));
  });

  it('gives the same facts split over snapshot-sharing connections as on one (runCollectors), keys already in order', async () => {
    const counter = { queries: 0 };
    const sequential = SchemaFactsSchema.parse(await introspectAsReader(counter));
    // Every object leaves validation with its keys in code-point order (the shapes list them so).
    const unsorted: string[] = [];
    const walk = (v: unknown, at: string): void => {
      if (Array.isArray(v)) v.forEach((x, i) => walk(x, `${at}/${i}`));
      else if (v && typeof v === 'object') {
        const keys = Object.keys(v);
        if (keys.some((k, i) => i > 0 && keys[i - 1] >= k)) unsorted.push(at);
        for (const k of keys) walk((v as Record<string, unknown>)[k], `${at}/${k}`);
      }
    };
    walk(sequential, '');
    expect(unsorted).toEqual([]);
    const r = await runCollectors(db, {
      root: process.cwd(),
      now: new Date(0),
      auditVerification: 'incremental',
      collectors: [schemaCollector],
      catalog: { version: '0.0.0', sha256: '', organisation: {}, controls: [], frameworks: [], mappings: [], files: {} } as never,
    });
    // One more query: the tables query in two parts, one per connection.
    expect(r.queries).toBe(counter.queries + 1);
    expect(JSON.stringify(r.parts.schema.facts)).toBe(JSON.stringify(sequential));
    expect(sequential.tables.length).toBeGreaterThan(10);
  });

  it('gives the same facts twice (deterministic order)', async () => {
    const a = await introspectAsReader();
    const b = await introspectAsReader();
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
  });
});
