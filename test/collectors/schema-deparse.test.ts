/**
 * The schema collector's deparser shortcuts (collectors/schema-deparse.ts) are a speed trick:
 * every definition they assemble must be exactly what PostgreSQL's deparsers print, and the
 * facts must be the same with TRUST_SCHEMA_DEPARSER_SHORTCUTS=0 (every definition from the
 * deparsers). Checked on the migrated platform schema as it is, then with shapes on both sides
 * of every shortcut condition.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { createTestDatabase, withClient } from '../helpers/db.ts';
import { introspectSchema, tablesSql, type SchemaFacts } from '../../collectors/schema.ts';
import { deparserShortcuts, SHORTCUT_VERSIONS } from '../../collectors/schema-deparse.ts';
import { findTable } from '../../controls/checks/schema-helpers.ts';
import { countingSql } from '../../collectors/run.ts';

let db: Awaited<ReturnType<typeof createTestDatabase>>;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.drop();
});

async function asReader<T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await db.pool('reader').connect();
  try {
    await client.query('BEGIN TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY');
    return await fn(client);
  } finally {
    await client.query('ROLLBACK');
    client.release();
  }
}

async function introspect(shortcuts: boolean): Promise<SchemaFacts> {
  const saved = process.env.TRUST_SCHEMA_DEPARSER_SHORTCUTS;
  process.env.TRUST_SCHEMA_DEPARSER_SHORTCUTS = shortcuts ? '1' : '0';
  try {
    return await asReader((c) => introspectSchema(countingSql(c, { queries: 0 })));
  } finally {
    if (saved === undefined) delete process.env.TRUST_SCHEMA_DEPARSER_SHORTCUTS;
    else process.env.TRUST_SCHEMA_DEPARSER_SHORTCUTS = saved;
  }
}

const admin = <T>(fn: (c: pg.Client) => Promise<T>) => withClient(db.adminUrl, fn);

/** Every definition in the facts, by kind and name, next to what the deparser prints for it. */
async function deparsed(): Promise<Map<string, string | null>> {
  const rows = await asReader(
    async (c) =>
      (
        await c.query<{ key: string; def: string | null }>(`
    SELECT 'constraint ' || n.nspname || '.' || c.relname || '.' || con.conname AS key, pg_get_constraintdef(con.oid) AS def
      FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
    UNION ALL SELECT 'index ' || n.nspname || '.' || c.relname || '.' || i.relname, pg_get_indexdef(i.oid)
      FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class c ON c.oid = x.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace
    UNION ALL SELECT 'trigger ' || n.nspname || '.' || c.relname || '.' || t.tgname, pg_get_triggerdef(t.oid)
      FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace WHERE NOT t.tgisinternal
    UNION ALL SELECT 'default ' || n.nspname || '.' || c.relname || '.' || a.attname, pg_get_expr(d.adbin, d.adrelid)
      FROM pg_attrdef d JOIN pg_attribute a ON a.attrelid = d.adrelid AND a.attnum = d.adnum JOIN pg_class c ON c.oid = d.adrelid JOIN pg_namespace n ON n.oid = c.relnamespace
    UNION ALL SELECT 'using ' || n.nspname || '.' || c.relname || '.' || p.polname, pg_get_expr(p.polqual, p.polrelid)
      FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid JOIN pg_namespace n ON n.oid = c.relnamespace
    UNION ALL SELECT 'check ' || n.nspname || '.' || c.relname || '.' || p.polname, pg_get_expr(p.polwithcheck, p.polrelid)
      FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid JOIN pg_namespace n ON n.oid = c.relnamespace`)
      ).rows,
  );
  return new Map(rows.map((r) => [r.key, r.def]));
}

/** Compares every definition of the facts with the deparser's; returns how many. */
function compareAll(facts: SchemaFacts, expected: Map<string, string | null>): number {
  let compared = 0;
  const same = (key: string, actual: string | null) => {
    expect(actual, key).toBe(expected.get(key) ?? null);
    compared++;
  };
  for (const t of facts.tables) {
    const at = `${t.schema}.${t.name}`;
    for (const c of t.constraints) same(`constraint ${at}.${c.name}`, c.definition);
    for (const i of t.indexes) same(`index ${at}.${i.name}`, i.definition);
    for (const tr of t.triggers) same(`trigger ${at}.${tr.name}`, tr.definition);
    for (const c of t.columns) if (c.default !== null) same(`default ${at}.${c.name}`, c.default);
    for (const p of t.policies) {
      same(`using ${at}.${p.name}`, p.using);
      same(`check ${at}.${p.name}`, p.withCheck);
    }
  }
  return compared;
}

/** How many definitions the tables query left to the shortcuts (NULL in its rows). */
async function assembled(): Promise<number> {
  const rows = await asReader(async (c) => (await c.query<{ constraints: unknown[][] | null; indexes: unknown[][] | null }>(tablesSql(true))).rows);
  return rows.reduce((n, r) => n + (r.constraints ?? []).filter((c) => c[2] === null).length + (r.indexes ?? []).filter((i) => i[4] === null).length, 0);
}

describe('deparser shortcuts', () => {
  it('the switch: on for the versions they reproduce, unless TRUST_SCHEMA_DEPARSER_SHORTCUTS says 0, off, false or no', () => {
    expect(deparserShortcuts(SHORTCUT_VERSIONS.min, {})).toBe(true);
    expect(deparserShortcuts(SHORTCUT_VERSIONS.max, { TRUST_SCHEMA_DEPARSER_SHORTCUTS: '1' })).toBe(true);
    expect(deparserShortcuts(SHORTCUT_VERSIONS.min - 1, {})).toBe(false);
    expect(deparserShortcuts(SHORTCUT_VERSIONS.max + 1, {})).toBe(false);
    for (const v of ['0', 'off', 'False', ' no ']) expect(deparserShortcuts(SHORTCUT_VERSIONS.min, { TRUST_SCHEMA_DEPARSER_SHORTCUTS: v })).toBe(false);
  });

  it("on the migrated platform schema: every definition is the deparser's, and the facts are the same with the shortcuts off", async () => {
    expect(await assembled()).toBeGreaterThan(20);
    const fast = await introspect(true);
    expect(compareAll(fast, await deparsed())).toBeGreaterThan(100);
    expect(JSON.stringify(await introspect(false))).toBe(JSON.stringify(fast));
  });

  it('on shapes either side of every shortcut condition: the same', async () => {
    const before = await assembled();
    // Shapes on both sides of every shortcut condition: quoted identifiers, INCLUDE,
    // NULLS NOT DISTINCT, DESC, COLLATE, a non-default operator class, expressions,
    // partial indexes, deferrable and NOT VALID constraints, MATCH FULL, ON UPDATE, SET NULL
    // column lists, foreign keys across schemas and to a table hidden by the search path.
    await admin((c) =>
      c.query(`
      CREATE SCHEMA "fx Other"; GRANT USAGE ON SCHEMA "fx Other" TO trust_reader;
      CREATE TABLE "fx Other".fx_ref (id int PRIMARY KEY, "Code" text UNIQUE, a int, b int, UNIQUE (a, b));
      CREATE TABLE public.fx_ref (id int PRIMARY KEY);
      CREATE TABLE "fx Other"."fx Shadow" (id int PRIMARY KEY);
      CREATE TABLE public.fx_defs (
        id int, "Select" text, a int, b int, c text COLLATE "C", d varchar(10), e int[],
        CONSTRAINT fx_pk PRIMARY KEY (id, "Select") INCLUDE (c),
        CONSTRAINT "fx U" UNIQUE NULLS NOT DISTINCT (a),
        CONSTRAINT fx_u2 UNIQUE (b, a) DEFERRABLE INITIALLY DEFERRED,
        CONSTRAINT fx_fk1 FOREIGN KEY (a) REFERENCES public.fx_ref (id) ON UPDATE CASCADE ON DELETE SET NULL,
        CONSTRAINT fx_fk2 FOREIGN KEY (a, b) REFERENCES "fx Other".fx_ref (a, b) MATCH FULL ON DELETE SET NULL (b),
        CONSTRAINT fx_fk3 FOREIGN KEY ("Select") REFERENCES "fx Other".fx_ref ("Code") ON DELETE RESTRICT DEFERRABLE,
        CONSTRAINT fx_fk4 FOREIGN KEY (b) REFERENCES "fx Other"."fx Shadow" (id) ON UPDATE SET DEFAULT NOT VALID,
        CONSTRAINT fx_ck CHECK (a > 0) NOT VALID);
      CREATE UNIQUE INDEX "fx Idx" ON public.fx_defs ("Select", a);
      CREATE INDEX fx_desc ON public.fx_defs (a DESC, b NULLS FIRST);
      CREATE INDEX fx_coll ON public.fx_defs (c COLLATE "POSIX");
      CREATE INDEX fx_opc ON public.fx_defs (d varchar_pattern_ops);
      CREATE INDEX fx_expr ON public.fx_defs (lower("Select"));
      CREATE INDEX fx_part ON public.fx_defs (a) WHERE b IS NULL AND a > 1;
      CREATE INDEX fx_gin ON public.fx_defs USING gin (e);
      CREATE INDEX fx_hash ON public.fx_defs USING hash (b);
      CREATE INDEX fx_with ON public.fx_defs (b) WITH (fillfactor = 70);
      GRANT SELECT ON public.fx_defs, public.fx_ref, "fx Other".fx_ref, "fx Other"."fx Shadow" TO trust_reader;`),
    );
    const facts = await introspect(true);
    expect(await assembled()).toBeGreaterThan(before); // some of the new shapes are assembled, not all
    expect(compareAll(facts, await deparsed())).toBeGreaterThan(150);
    expect(JSON.stringify(await introspect(false))).toBe(JSON.stringify(facts));
    const t = findTable(facts, 'public.fx_defs')!;
    expect(t.constraints.find((c) => c.name === 'fx_fk2')?.references).toMatchObject({ table: 'fx Other.fx_ref', columns: ['a', 'b'], onDelete: 'set_null' });
    expect(t.constraints.find((c) => c.name === 'fx_pk')?.columns).toEqual(['id', 'Select']);
    await admin((c) => c.query(`DROP TABLE public.fx_defs, public.fx_ref; DROP SCHEMA "fx Other" CASCADE`));
  });
});
