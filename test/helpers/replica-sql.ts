/**
 * How break tests change rows behind the platform's back, as a superuser session would (a
 * careless migration, a replication tool): ordinary triggers and foreign keys do not fire.
 */

/**
 * `sql` in one transaction with session_replication_role = replica; the triggers of `tables`
 * that still fire there (enabled ALWAYS) are switched off around it and back on to their own
 * mode inside the same transaction, so the committed guards are unchanged.
 */
export function replicaSql(sql: string, tables: string[] = []): string {
  const list = tables.map((t) => `'${t}'`).join(',') || 'NULL';
  return `BEGIN;
SET LOCAL session_replication_role = replica;
CREATE TEMP TABLE saved_triggers ON COMMIT DROP AS
  SELECT tgrelid::regclass::text AS rel, tgname, tgenabled FROM pg_trigger
   WHERE tgrelid::regclass::text = ANY (ARRAY[${list}]::text[]) AND NOT tgisinternal AND tgenabled <> 'D';
DO $$DECLARE r record; BEGIN FOR r IN SELECT * FROM saved_triggers LOOP
  EXECUTE format('ALTER TABLE %s DISABLE TRIGGER %I', r.rel, r.tgname); END LOOP; END$$;
${sql};
DO $$DECLARE r record; BEGIN FOR r IN SELECT * FROM saved_triggers LOOP
  EXECUTE format('ALTER TABLE %s ENABLE %s TRIGGER %I', r.rel, CASE r.tgenabled WHEN 'A' THEN 'ALWAYS' WHEN 'R' THEN 'REPLICA' ELSE '' END, r.tgname); END LOOP; END$$;
COMMIT;`;
}
