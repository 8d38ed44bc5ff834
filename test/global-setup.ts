/**
 * Starts the embedded PostgreSQL 17 (unless TRUST_TEST_ADMIN_URL points at another
 * server), migrates a template database once, and hands its admin URL to the test
 * files. Each file then creates its own database from the template (fast, isolated).
 */
import type { TestProject } from 'vitest/node';
import pg from 'pg';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startEmbedded } from '../platform/db/embedded.ts';
import { bootstrapRoles } from '../platform/db/roles.ts';
import { openDatabase } from '../platform/db/index.ts';
import { migrate } from '../platform/db/migrate.ts';

export const TEMPLATE_DB = 'trust_test_template';

export default async function setup(project: TestProject) {
  let serverUrl = process.env.TRUST_TEST_ADMIN_URL;
  let stop: (() => Promise<void>) | undefined;
  let privateDir: string | undefined;
  if (!serverUrl) {
    // A private data directory per test run, so the suite never touches (or stops)
    // the cluster that `npm start` uses, and parallel runs never share one.
    privateDir = mkdtempSync(path.join(os.tmpdir(), 'trust-test-pg-'));
    chmodSync(privateDir, 0o755);
    process.env.TRUST_DATA_DIR = privateDir;
    const cluster = await startEmbedded();
    serverUrl = cluster.adminUrl;
    stop = cluster.stop;
  }
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  // Leftovers from an interrupted run.
  const old = await admin.query(`SELECT datname FROM pg_database WHERE datname LIKE 'trust_test_%'`);
  for (const r of old.rows) await admin.query(`DROP DATABASE IF EXISTS "${r.datname}" WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${TEMPLATE_DB}`);
  await admin.end();
  const templateUrl = withDatabase(serverUrl, TEMPLATE_DB);
  await bootstrapRoles(templateUrl);
  const db = await openDatabase({ adminUrl: templateUrl });
  await migrate(db);
  await db.close();
  project.provide('serverUrl', serverUrl);
  process.env.TRUST_TEST_SERVER_URL = serverUrl;
  return async () => {
    const c = new pg.Client({ connectionString: serverUrl });
    await c.connect();
    const dbs = await c.query(`SELECT datname FROM pg_database WHERE datname LIKE 'trust_test_%'`);
    for (const r of dbs.rows) await c.query(`DROP DATABASE IF EXISTS "${r.datname}" WITH (FORCE)`);
    await c.end();
    await stop?.();
    if (privateDir) rmSync(privateDir, { recursive: true, force: true });
  };
}

export function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = '/' + name;
  return u.toString();
}

declare module 'vitest' {
  export interface ProvidedContext {
    serverUrl: string;
  }
}
