/**
 * Access facts for unit tests, derived from schema facts the way PostgreSQL would compute
 * them for a simple schema: effective privileges = grants to the role, to PUBLIC or to a role
 * it belongs to, all privileges for the owner or a superuser; memberships followed
 * transitively. Enough for checks over fixtures; the real answers come from the server.
 */
import type { AccessFacts } from '../../collectors/access.ts';
import type { SchemaFacts } from '../../collectors/schema.ts';

const ALL = ['DELETE', 'INSERT', 'MAINTAIN', 'REFERENCES', 'SELECT', 'TRIGGER', 'TRUNCATE', 'UPDATE'];

export function accessFacts(s: SchemaFacts, over: Partial<AccessFacts> = {}): AccessFacts {
  const closure = (name: string): { role: string; via: string[] }[] => {
    const out: { role: string; via: string[] }[] = [];
    const walk = (n: string, via: string[]) => {
      for (const g of s.roles.find((r) => r.name === n)?.memberOf ?? []) {
        if (out.some((o) => o.role === g)) continue;
        out.push({ role: g, via });
        walk(g, [...via, g]);
      }
    };
    walk(name, []);
    return out.sort((a, b) => (a.role < b.role ? -1 : 1));
  };
  const roles = s.roles.map((r) => ({
    name: r.name,
    login: r.login,
    superuser: r.superuser,
    bypassRls: r.bypassRls,
    createRole: r.createRole,
    createDb: r.createDb,
    replication: r.replication,
    inherit: true,
    config: [],
    ownsDatabase: false,
    memberOf: closure(r.name),
  }));
  const relations = roles.flatMap((r) => {
    const as = new Set([r.name, 'PUBLIC', ...r.memberOf.map((m) => m.role)]);
    return s.tables
      .map((t) => ({
        role: r.name,
        schema: t.schema,
        name: t.name,
        kind: t.kind,
        privileges: r.superuser || as.has(t.owner) ? ALL : [...new Set(t.grants.filter((g) => as.has(g.grantee)).map((g) => g.privilege))].sort(),
      }))
      .filter((x) => x.privileges.length);
  });
  return { defaultPrivileges: [], relations, roles, schemas: roles.map((r) => ({ role: r.name, schema: 'public', privileges: ['USAGE'] })), ...over };
}
