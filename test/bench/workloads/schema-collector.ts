/**
 * Runs our schema collector the way `trust check` does (runCollectors: one read-only
 * snapshot as the reader role), on a fresh connection each time, so it pays the same
 * connection cost as the pg_dump it is compared with.
 */
import pg from 'pg';
import { performance } from 'node:perf_hooks';
import { roleUrl, type RoleKind } from '../../../platform/db/roles.ts';
import type { Database } from '../../../platform/db/index.ts';
import type { Catalog } from '../../../controls/types.ts';

/** The schema collector does not read the catalog; an empty one keeps the run honest about that. */
export const EMPTY_CATALOG: Catalog = {
  version: '0.0.0',
  sha256: '0'.repeat(64),
  organisation: {
    name: 'Harbor Cloud',
    website: 'https://harborcloud.example',
    contact: 'security@harborcloud.example',
    disclosure: {
      contact: 'security@harborcloud.example',
      acknowledgementBusinessDays: 2,
      fixTargetDays: { critical: 7, high: 30, medium: 90, low: 180 },
      coordinatedDisclosureDays: 90,
      policyUrl: 'https://harborcloud.example/security',
      preferredLanguages: ['en'],
    },
    subprocessors: [],
  },
  controls: [],
  frameworks: [],
  mappings: [],
  files: {},
};

/** A Database whose pools are created on demand and ended by `close()`, so each run connects afresh. */
export function freshConnectionDatabase(adminUrl: string): Database {
  const pools = new Map<RoleKind, pg.Pool>();
  return {
    adminUrl,
    embedded: false,
    has: () => true,
    url: (role) => roleUrl(adminUrl, role),
    pool(role) {
      let p = pools.get(role);
      if (!p) {
        p = new pg.Pool({ connectionString: roleUrl(adminUrl, role), max: 2 });
        p.on('error', () => {});
        pools.set(role, p);
      }
      return p;
    },
    async close() {
      await Promise.all([...pools.values()].map((p) => p.end()));
      pools.clear();
    },
  };
}

/** One schema-collector run: wall milliseconds (connect to commit), queries sent, tables seen. */
export async function collectSchemaOnce(adminUrl: string, root: string): Promise<{ ms: number; queries: number; tables: number }> {
  const [{ runCollectors }, schema] = await Promise.all([import('../../../collectors/run.ts'), import('../../../collectors/schema.ts')]);
  const db = freshConnectionDatabase(adminUrl);
  try {
    const t0 = performance.now();
    const r = await runCollectors(db, {
      root,
      now: new Date(0),
      catalog: EMPTY_CATALOG,
      auditVerification: 'incremental',
      collectors: [schema.default],
    });
    const ms = performance.now() - t0;
    const facts = r.parts.schema?.facts as { tables?: unknown[] } | undefined;
    return { ms, queries: r.queries, tables: facts?.tables?.length ?? 0 };
  } finally {
    await db.close();
  }
}
