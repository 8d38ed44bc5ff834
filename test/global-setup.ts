/**
 * Starts the embedded PostgreSQL 17 (unless TRUST_TEST_ADMIN_URL points at another
 * server), migrates a template database once, and hands its admin URL to the test
 * files. Each file then creates its own database from the template (fast, isolated).
 */
import type { TestProject } from 'vitest/node';
import pg from 'pg';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { startEmbedded } from '../platform/db/embedded.ts';
import { bootstrapRoles } from '../platform/db/roles.ts';
import { openDatabase } from '../platform/db/index.ts';
import { migrate } from '../platform/db/migrate.ts';

export default function setup(project: TestProject) {
  return setupServer(project, process.env.TRUST_TEST_ADMIN_URL);
}

/** Prepares the template database on `serverUrl`, or on a private embedded PG17 when undefined. */
export async function setupServer(project: TestProject, externalUrl: string | undefined) {
  let serverUrl = externalUrl;
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
  // Names unique to this run: two runs may share an external server (CI and a developer).
  const runPrefix = `trust_test_${randomBytes(4).toString('hex')}`;
  const template = `${runPrefix}_template`;
  try {
    await prepareTemplate(serverUrl, template);
  } catch (e) {
    // A failed setup must not leave the private server running (it would hang the run).
    await stop?.();
    if (privateDir) rmSync(privateDir, { recursive: true, force: true });
    throw e;
  }
  project.provide('serverUrl', serverUrl);
  project.provide('templateDb', template);
  project.provide('dbPrefix', runPrefix);
  const url = serverUrl;
  return async () => {
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    const dbs = await c.query(`SELECT datname FROM pg_database WHERE datname LIKE $1`, [`${runPrefix}_%`]);
    for (const r of dbs.rows) await c.query(`DROP DATABASE IF EXISTS "${r.datname}" WITH (FORCE)`);
    await c.end();
    await stop?.();
    if (privateDir) rmSync(privateDir, { recursive: true, force: true });
  };
}

async function prepareTemplate(serverUrl: string, template: string) {
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${template}`);
  await admin.end();
  const templateUrl = withDatabase(serverUrl, template);
  await bootstrapRoles(templateUrl);
  const db = await openDatabase({ adminUrl: templateUrl });
  await migrate(db);
  await db.close();
}

export function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = '/' + name;
  return u.toString();
}

declare module 'vitest' {
  export interface ProvidedContext {
    serverUrl: string;
    templateDb: string;
    dbPrefix: string;
  }
}
