/** Builders for schema facts in unit tests: a small, valid SchemaFacts with only what a test needs. */
import type { SchemaFacts, TableFacts, FunctionFacts } from '../../collectors/schema.ts';

type Col = Partial<TableFacts['columns'][number]> & { name: string };

export function table(name: string, over: Partial<Omit<TableFacts, 'columns'>> & { columns?: Col[] } = {}): TableFacts {
  const [schema, rel] = name.includes('.') ? name.split('.') : ['public', name];
  const { columns, ...rest } = over;
  return {
    schema,
    name: rel,
    kind: 'table',
    owner: 'trust_owner',
    isPartition: false,
    rls: { enabled: false, forced: false },
    comment: null,
    constraints: [{ name: `${rel}_pkey`, kind: 'primary_key', columns: ['id'], definition: 'PRIMARY KEY (id)', references: null }],
    indexes: [],
    triggers: [],
    policies: [],
    grants: [],
    ...rest,
    columns: (columns ?? [{ name: 'id', type: 'uuid' }]).map((c) => ({ type: 'text', notNull: false, default: null, comment: null, ...c })),
  };
}

export function fn(qualifiedName: string, over: Partial<FunctionFacts> = {}): FunctionFacts {
  const [schema, name] = qualifiedName.split('.');
  return { schema, name, arguments: '', returns: 'trigger', language: 'plpgsql', owner: 'trust_owner', securityDefiner: false, config: [], source: null, ...over };
}

export function schemaFacts(over: Partial<SchemaFacts> = {}): SchemaFacts {
  return {
    server: { version: '17.0', versionNum: 170000, fsync: 'on' },
    database: 'test',
    tables: [],
    functions: [],
    roles: [],
    extensions: [],
    migrations: [],
    ...over,
  };
}

export const refuseFn = (name = 'public.refuse_change') => fn(name, { source: "BEGIN RAISE EXCEPTION 'append-only'; END" });

/** An audit table with BEFORE UPDATE/DELETE row and BEFORE TRUNCATE statement triggers. */
export function appendOnlyTable(name = 'public.audit_events'): TableFacts {
  const rel = name.split('.')[1];
  const def = (n: string) => `CREATE TRIGGER ${n} ...`;
  return table(name, {
    columns: [{ name: 'id', type: 'bigint' }, { name: 'account_id', type: 'uuid' }, { name: 'action', type: 'text' }],
    triggers: [
      { name: `${rel}_no_update`, function: 'public.refuse_change', enabled: 'A', timing: 'before', level: 'row', events: ['delete', 'update'], conditional: false, updateColumns: [], definition: def('u') },
      { name: `${rel}_no_truncate`, function: 'public.refuse_change', enabled: 'A', timing: 'before', level: 'statement', events: ['truncate'], conditional: false, updateColumns: [], definition: def('t') },
    ],
  });
}
