/**
 * A synthetic schema of N tables, each with columns, a primary key, a unique and a
 * check constraint, a foreign key to its neighbour, a secondary index, a trigger,
 * forced row-level security with a policy, grants to the platform roles and a comment:
 * every kind of object the schema collector (and pg_dump) has to read.
 */
import pg from 'pg';

function tableDdl(i: number): string {
  const t = `bench_t${String(i).padStart(4, '0')}`;
  const parent = i > 0 ? `bench_t${String(i - 1).padStart(4, '0')}` : null;
  return `
CREATE TABLE ${t} (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  account_id uuid NOT NULL,
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  amount numeric(12,2) NOT NULL DEFAULT 0 CHECK (amount >= 0),
  parent_id bigint${parent ? ` REFERENCES ${parent}(id) ON DELETE CASCADE` : ''},
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz,
  CONSTRAINT ${t}_account_name UNIQUE (account_id, name)
);
CREATE INDEX ${t}_created_at ON ${t} (created_at);
CREATE INDEX ${t}_open ON ${t} (account_id) WHERE updated_at IS NULL;
CREATE TRIGGER ${t}_touch BEFORE UPDATE ON ${t} FOR EACH ROW EXECUTE FUNCTION bench_touch();
ALTER TABLE ${t} ENABLE ROW LEVEL SECURITY;
ALTER TABLE ${t} FORCE ROW LEVEL SECURITY;
CREATE POLICY ${t}_account ON ${t} USING (account_id::text = ANY (string_to_array(current_setting('trust.account_ids', true), ',')));
GRANT SELECT, INSERT, UPDATE ON ${t} TO trust_app;
GRANT SELECT ON ${t} TO trust_reader;
COMMENT ON TABLE ${t} IS 'Synthetic benchmark table ${i}';`;
}

/** Creates `count` tables in the database at `adminUrl` (roles must exist: bootstrap first). */
export async function createTables(adminUrl: string, count: number): Promise<void> {
  const c = new pg.Client({ connectionString: adminUrl });
  await c.connect();
  try {
    await c.query(`CREATE OR REPLACE FUNCTION bench_touch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN NEW.updated_at := now(); RETURN NEW; END $$`);
    // Batches in one transaction each: fewer round trips, bounded lock table use.
    const batch = 50;
    for (let i = 0; i < count; i += batch) {
      const ddl: string[] = [];
      for (let j = i; j < Math.min(count, i + batch); j++) ddl.push(tableDdl(j));
      await c.query(`BEGIN;${ddl.join('\n')}\nCOMMIT;`);
    }
    await c.query('ANALYZE');
  } finally {
    await c.end();
  }
}
