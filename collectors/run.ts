/**
 * Runs collectors: every database collector shares ONE read-only, repeatable-read
 * transaction as the reader role, so all facts describe the same snapshot; the file
 * collectors (code, design, config) run without a connection.
 */
import type pg from 'pg';
import type { Database } from '../platform/db/index.ts';
import type { Catalog } from '../controls/types.ts';
import type { Collector, CollectorContext } from './types.ts';
import { COLLECTORS } from './registry.ts';
import { CollectorError } from './collector-error.ts';
import { byKey, sortDeep } from './sort.ts';

export interface RunCollectorsOptions {
  root: string;
  now: Date;
  catalog: Catalog;
  auditVerification: 'incremental' | 'full';
  progress?: (collectorId: string, phase: 'start' | 'done', ms?: number) => void;
  /** Run only these collector ids (default: all registered). */
  only?: string[];
  /** Collectors to run instead of the registry (tests). */
  collectors?: Collector[];
}

export interface CollectedPart {
  collector: string;
  version: string;
  facts: unknown;
}

export interface RunCollectorsResult {
  parts: Record<string, CollectedPart>;
  /** Queries sent by collectors (transaction control excluded). */
  queries: number;
  /** Milliseconds per collector id. */
  timings: Record<string, number>;
}

/** A counted `sql` function bound to one client. */
export function countingSql(client: pg.ClientBase, counter: { queries: number }): CollectorContext['sql'] {
  return async (text, params) => {
    counter.queries++;
    const r = await client.query(text, params as unknown[] | undefined);
    return r.rows;
  };
}

/** The client itself, with every query counted (platform verifiers take a client). */
export function countingClient(client: pg.ClientBase, counter: { queries: number }): pg.ClientBase {
  return new Proxy(client, {
    get(target, prop, receiver) {
      if (prop === 'query') {
        return (...args: unknown[]) => {
          counter.queries++;
          return (target.query as (...a: unknown[]) => unknown).apply(target, args);
        };
      }
      const v = Reflect.get(target, prop, receiver);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
}

async function copyOutFor(client: pg.ClientBase, counter: { queries: number }): Promise<CollectorContext['copyOut']> {
  return async (text: string) => {
    counter.queries++;
    const mod = (await import('pg-copy-streams')) as unknown as { to(sql: string): NodeJS.ReadableStream };
    return (client as unknown as { query<T>(s: T): T }).query(mod.to(text)) as unknown as NodeJS.ReadableStream;
  };
}

export async function runCollectors(db: Database, opts: RunCollectorsOptions): Promise<RunCollectorsResult> {
  const all = opts.collectors ?? COLLECTORS;
  if (opts.only) {
    const unknown = opts.only.filter((id) => !all.some((c) => c.id === id));
    if (unknown.length) throw new CollectorError(unknown[0], new Error(`unknown collector id(s): ${unknown.join(', ')}`));
  }
  const selected = all.filter((c) => !opts.only || opts.only.includes(c.id)).sort(byKey((c) => c.id));
  const counter = { queries: 0 };
  const parts: Record<string, CollectedPart> = {};
  const timings: Record<string, number> = {};

  const base = {
    root: opts.root,
    now: opts.now,
    options: { auditVerification: opts.auditVerification },
    catalog: opts.catalog,
  };
  const noDb: Pick<CollectorContext, 'sql' | 'copyOut'> = {
    sql: () => Promise.reject(new Error('this collector declared needsDatabase: false')),
    copyOut: () => Promise.reject(new Error('this collector declared needsDatabase: false')),
  };

  async function one(c: Collector, io: Pick<CollectorContext, 'sql' | 'copyOut' | 'client'>): Promise<void> {
    opts.progress?.(c.id, 'start');
    const t0 = performance.now();
    let facts: unknown;
    try {
      const raw = await c.collect({ ...base, ...io, progress: () => {} });
      const parsed = c.facts.safeParse(raw);
      if (!parsed.success) {
        const i = parsed.error.issues[0];
        throw new Error(`facts do not match the collector's schema at /${i.path.join('/')}: ${i.message}`);
      }
      facts = sortDeep(parsed.data);
    } catch (e) {
      if (e instanceof CollectorError) throw e;
      throw new CollectorError(c.id, e);
    }
    const ms = performance.now() - t0;
    timings[c.id] = Math.round(ms * 10) / 10;
    parts[c.id] = { collector: c.id, version: c.version, facts };
    opts.progress?.(c.id, 'done', ms);
  }

  const dbCollectors = selected.filter((c) => c.needsDatabase);
  const fileCollectors = selected.filter((c) => !c.needsDatabase);

  if (dbCollectors.length) {
    // Connection errors propagate untouched: the CLI maps them to exit 2.
    const client = await db.pool('reader').connect();
    let broken = false;
    try {
      await client.query('BEGIN TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY');
      await client.query(`SET LOCAL TimeZone = 'UTC'`);
      const io = { sql: countingSql(client, counter), copyOut: await copyOutFor(client, counter), client: countingClient(client, counter) };
      for (const c of dbCollectors) await one(c, io);
      await client.query('COMMIT');
    } catch (e) {
      broken = true;
      await client.query('ROLLBACK').catch(() => {});
      throw e;
    } finally {
      client.release(broken);
    }
  }
  for (const c of fileCollectors) await one(c, noDb);

  const sortedParts: Record<string, CollectedPart> = {};
  for (const id of Object.keys(parts).sort()) sortedParts[id] = parts[id];
  return { parts: sortedParts, queries: counter.queries, timings };
}
