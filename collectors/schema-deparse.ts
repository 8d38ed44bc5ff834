/**
 * The schema collector's deparser shortcuts, a speed trick: TRUST_SCHEMA_DEPARSER_SHORTCUTS=0
 * turns them off, and every definition then comes from PostgreSQL's own deparsers
 * (pg_get_constraintdef, pg_get_indexdef).
 *
 * Deparsing is most of the tables query's cost on a large schema, and where the catalog
 * columns determine the text completely it is assembled here instead, from the same catalog
 * rows: plain-column, non-partial indexes with default operator classes, PRIMARY KEY / UNIQUE
 * without INCLUDE or NULLS NOT DISTINCT, and foreign keys between tables the collector reads.
 * Identifiers are quoted by quote_ident() (the deparsers' own quote_identifier). Only on the
 * server versions whose ruleutils output this reproduces (SHORTCUT_VERSIONS); everything
 * else, and every other version, goes to the deparser.
 *
 * test/collectors/schema-deparse.test.ts: on the migrated platform schema and on shapes either
 * side of every condition below, each assembled definition equals the deparser's, and the facts
 * are the same with the shortcuts off.
 */
import { trickEnabled } from '../platform/kernel/switches.ts';

/** Server versions (server_version_num) whose ruleutils output the shortcuts reproduce. */
export const SHORTCUT_VERSIONS = { min: 150000, max: 179999 } as const;

/** Whether the tables query leaves the definitions it can assemble to `constraintDefinition` and `indexDefinition`. */
export function deparserShortcuts(versionNum: number, env: NodeJS.ProcessEnv = process.env): boolean {
  return versionNum >= SHORTCUT_VERSIONS.min && versionNum <= SHORTCUT_VERSIONS.max && trickEnabled('TRUST_SCHEMA_DEPARSER_SHORTCUTS', env);
}

/**
 * The SQL the shortcuts need in the tables query (catalog columns that exist from 15 on).
 * `refRead`: the predicate (on fc/fn) that the referenced relation is one the collector reads,
 * so its column names come from its own columns row.
 */
export function shortcutSql(refRead: string): { constraint: string; index: string; indexKeysJoin: string; refQuoted: string } {
  return {
    constraint: `((con.contype IN ('p', 'u') AND ci.indnatts = ci.indnkeyatts AND NOT ci.indnullsnotdistinct AND 0 < ALL (con.conkey))
      OR (con.contype = 'f' AND ${refRead} AND con.confdelsetcols IS NULL AND 0 < ALL (con.conkey) AND 0 < ALL (con.confkey)))`,
    index: `(i.relkind = 'i' AND x.indexprs IS NULL AND x.indpred IS NULL AND x.indnatts = x.indnkeyatts AND NOT x.indnullsnotdistinct
      AND i.reloptions IS NULL AND ik.plain AND ik.keys = x.indnkeyatts)`,
    // Per index: every key column a plain column with its type's default operator class,
    // the column's collation, default ordering and no operator class options.
    indexKeysJoin: `LEFT JOIN (SELECT k.indexrelid, bool_and(opc.opcdefault AND opc.opcintype = a.atttypid AND (k.coll = 0 OR k.coll = a.attcollation)
                                         AND k.opt = 0 AND ia.attoptions IS NULL) AS plain, count(*) AS keys
                    FROM (SELECT x.indexrelid, x.indrelid, u.*
                            FROM rel JOIN pg_index x ON x.indrelid = rel.oid,
                                 unnest(x.indkey::int2[], x.indclass::oid[], x.indcollation::oid[], x.indoption::int2[]) WITH ORDINALITY u(attnum, opclass, coll, opt, ord)) k
                    JOIN pg_opclass opc ON opc.oid = k.opclass
                    JOIN pg_attribute a ON a.attrelid = k.indrelid AND a.attnum = k.attnum
                    JOIN pg_attribute ia ON ia.attrelid = k.indexrelid AND ia.attnum = k.ord
                   GROUP BY k.indexrelid) ik ON ik.indexrelid = x.indexrelid`,
    // The referenced table as ruleutils names it: schema-qualified only when the search path hides it.
    refQuoted: `CASE WHEN con.contype = 'f' AND ${refRead} THEN
                        CASE WHEN pg_table_is_visible(fc.oid) THEN quote_ident(fc.relname) ELSE quote_ident(fn.nspname) || '.' || quote_ident(fc.relname) END END`,
  };
}

// ruleutils.c: pg_get_constraintdef_worker's ON UPDATE / ON DELETE and MATCH words.
const FK_ACTION_SQL: Record<string, string> = { r: 'RESTRICT', c: 'CASCADE', n: 'SET NULL', d: 'SET DEFAULT' };
const FK_MATCH_SQL: Record<string, string> = { f: ' MATCH FULL', p: ' MATCH PARTIAL', s: '' };

/** What pg_get_constraintdef prints for a PRIMARY KEY, UNIQUE or FOREIGN KEY the shortcut holds for. Columns quoted. */
export function constraintDefinition(c: {
  kind: string;
  columns: string[];
  refQuoted: string | null;
  refColumns: string[];
  match: string;
  onUpdate: string;
  onDelete: string;
  deferrable: boolean;
  deferred: boolean;
  validated: boolean;
}): string {
  const cols = c.columns.join(', ');
  let def: string;
  if (c.kind === 'f') {
    def = `FOREIGN KEY (${cols}) REFERENCES ${c.refQuoted}(${c.refColumns.join(', ')})${FK_MATCH_SQL[c.match]}`;
    if (FK_ACTION_SQL[c.onUpdate]) def += ` ON UPDATE ${FK_ACTION_SQL[c.onUpdate]}`;
    if (FK_ACTION_SQL[c.onDelete]) def += ` ON DELETE ${FK_ACTION_SQL[c.onDelete]}`;
  } else {
    def = `${c.kind === 'p' ? 'PRIMARY KEY' : 'UNIQUE'} (${cols})`;
  }
  if (c.deferrable) def += ' DEFERRABLE';
  if (c.deferred) def += ' INITIALLY DEFERRED';
  if (!c.validated) def += ' NOT VALID';
  return def;
}

/** What pg_get_indexdef prints for an index the shortcut holds for. Names quoted. */
export function indexDefinition(i: { unique: boolean; quoted: string; tableQuoted: string; am: string; columns: string[] }): string {
  return `CREATE ${i.unique ? 'UNIQUE ' : ''}INDEX ${i.quoted} ON ${i.tableQuoted} USING ${i.am} (${i.columns.join(', ')})`;
}
