/**
 * Acceptance: on a database the demo filled through the platform's own services,
 * every live control's checks pass; and the collectors' cost is measured.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../helpers/db.ts';
import { loadCatalog } from '../../controls/loader.ts';
import { runCollectors, type RunCollectorsResult } from '../../collectors/run.ts';
import { findCheck } from '../../controls/checks/registry.ts';
import { runCheck } from '../../controls/checks/types.ts';
import type { Catalog } from '../../controls/types.ts';
import type { FactSet } from '../../collectors/types.ts';
import { demoDatabase } from '../helpers/demo-database.ts';
import { failingChecks } from '../helpers/evaluate-control.ts';

const root = process.cwd();
let db: Awaited<ReturnType<typeof createTestDatabase>>;
let catalog: Catalog;
let run: RunCollectorsResult;
const facts = (r: RunCollectorsResult): FactSet => Object.fromEntries(Object.entries(r.parts).map(([k, v]) => [k, v.facts]));

beforeAll(async () => {
  // A configured keyring, as production has (the environment variable form).
  db = await demoDatabase(1);
  catalog = await loadCatalog(root);
  run = await runCollectors(db, { root, now: new Date(), catalog, auditVerification: 'full' });
}, 600_000);
afterAll(async () => {
  await db?.drop();
});

describe('live controls on the demo platform', () => {
  it('every live control has checks, and every check passes', () => {
    const f = facts(run);
    const failures: string[] = [];
    const live = catalog.controls.filter((c) => c.status === 'live');
    expect(live.length).toBeGreaterThan(0);
    // Debian's PostgreSQL 15 (the pg15 pass) is a server we do not set up: plain `host` rules,
    // clients without verify-full. There database TLS must fail, honestly, not pass.
    const ourTls = new URL(db.adminUrl).searchParams.get('sslmode') === 'verify-full';
    for (const control of live) {
      expect(control.checks.length, `${control.id} has no check`).toBeGreaterThan(0);
      if (control.id === 'database_connections_tls' && !ourTls) {
        const r = runCheck(findCheck(control.checks[0].check)!, f, control.checks[0].params);
        expect(r.status, 'database TLS on a server without TLS').toBe('fail');
        continue;
      }
      failures.push(...failingChecks(control, f));
    }
    expect(failures).toEqual([]);
  });

  it('collects in one snapshot with a bounded number of queries', () => {
    console.log(`collectors on the demo (scale 1): ${run.queries} queries; ms per collector ${JSON.stringify(run.timings)}`);
    expect(Object.keys(run.parts).sort()).toEqual([
      'access',
      'audit',
      'backups',
      'code',
      'config',
      'db_tls',
      'dependencies',
      'design',
      'disclosure',
      'encryption',
      'enforcement',
      'identity',
      'lifecycle',
      'privacy',
      'regions',
      'schema',
      'tools',
      'vm_boot',
      'witness',
    ]);
    // A few queries per collector, whatever the data (the query-count benchmark pins that the
    // count does not grow with tables); 19 collectors now prove structure, data and enforcement.
    expect(run.queries).toBeLessThan(50);
  });

  it('never copies a secret value into facts', () => {
    const text = JSON.stringify(run.parts);
    expect(text).not.toMatch(/tev\d:\d+:[A-Za-z0-9_-]{20,}/); // a ciphertext
    expect(text).not.toMatch(/\$2[aby]\$\d\d\$[./A-Za-z0-9]{20,}/); // a bcrypt hash
    expect(text).not.toMatch(/hck_(read|manage|admin)_[0-9a-f]{16,}/); // an API key
  });
});
