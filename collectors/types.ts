/**
 * The collector contract. A collector observes; it never decides pass or fail.
 *
 * - It runs as the read-only role inside one READ ONLY transaction (`ctx.sql`), and
 *   possibly further connections on the same snapshot (`ctx.parallel`). Only enforcement
 *   probes act as the runtime role (`ctx.runtime`), always rolled back (collectors/probe.ts).
 * - Its number of queries does not grow with the number of tables.
 * - Its facts are validated by its zod schema, are in deterministic order (every
 *   query ends in ORDER BY; arrays sorted), contain no wall-clock time except from
 *   `ctx.now`, no OIDs, and never a secret value: shapes only (length, format
 *   version, key version).
 */
import type { z } from 'zod';
import type { CatalogData } from '../platform/kernel/catalog-data.ts';

export interface CollectorContext {
  /** Runs one query in the collectors' READ ONLY transaction as the reader role. Counted. */
  sql<R extends Record<string, unknown> = Record<string, unknown>>(text: string, params?: unknown[]): Promise<R[]>;
  /**
   * The same READ ONLY transaction's client (queries counted), for platform code that
   * takes a pg client, such as platform/audit/verify.ts. Absent for file collectors.
   */
  client?: import('pg').ClientBase;
  /**
   * Queries on further connections whose READ ONLY transactions share `sql`'s snapshot
   * (exported and imported as `pg_dump -j` does), as many as the collector asked for in
   * `connections`, or fewer (none when the server cannot export a snapshot or no
   * connection is free): a collector must give the same facts with any number. Counted.
   */
  parallel?: readonly CollectorContext['sql'][];
  /**
   * The runtime role's probe session (collectors that declare `needsRuntime` only): each
   * attempt runs as the platform's runtime role in a savepoint of a transaction that is
   * always rolled back (collectors/probe.ts). `available: false`, with the reason, when the
   * gate has no runtime credential: the collector records the probes as skipped.
   */
  runtime?: import('./probe.ts').RuntimeAccess;
  /**
   * How the gate's own connections are secured, and a login attempt without TLS
   * (collectors that declare `needsTransport` only; collectors/transport.ts). No URL, no password.
   */
  transport?: import('./transport.ts').TransportAccess;
  /** Repository root (where platform/, controls/ live). */
  root: string;
  /** Injected clock: the run's timestamp. */
  now: Date;
  /** Parameters from the run (e.g. full vs incremental audit verification). */
  options: { auditVerification: 'incremental' | 'full' };
  /** The loaded catalog (only for collectors that declare `needsCatalog`): the design collector checks the artifacts it names. */
  catalog: CatalogData;
  /** Progress for long work; no-op off a terminal. */
  progress(message: string): void;
  /**
   * For a collector that declares `needsRuntime`: call once the attempts that take table-level
   * locks (TRUNCATE) are done. The other database collectors, whose reads take the ACCESS SHARE
   * locks such an attempt would queue behind, may start then, beside the rest of its probes
   * (collectors/run.ts); without the call they start when it has finished.
   */
  readersMayStart?(): void;
}

export interface Collector<S extends z.ZodTypeAny = z.ZodTypeAny> {
  /** Stable id, snake_case, e.g. `schema`, `audit`. Facts are stored under it. */
  id: string;
  /** Bumped when the shape or meaning of the facts changes. */
  version: string;
  description: string;
  /** Whether the collector needs the database (the `code` and `design` collectors do not). */
  needsDatabase: boolean;
  /**
   * Whether it probes enforcement as the runtime role (`ctx.runtime`); implies needsDatabase.
   * Such collectors run first, before the reader's transaction holds any table lock a probe
   * could queue behind (a TRUNCATE attempt that passes the privilege check waits for them).
   */
  needsRuntime?: boolean;
  /** Whether it reads `ctx.transport` (the db_tls collector); implies needsDatabase. */
  needsTransport?: boolean;
  /** Whether it reads `ctx.catalog`; the others may run while the catalog still loads. */
  needsCatalog?: boolean;
  /**
   * CPU-bound file collector (no database, no catalog) run in a worker thread, so it
   * costs no time while the database collectors wait on the server. Its facts cross
   * the thread boundary by structured clone.
   */
  ownThread?: boolean;
  /**
   * A threaded collector's facts from its cache (collectors/fact-cache.ts) when the cache holds
   * them for exactly these inputs, computing nothing; undefined on a miss. The runner asks on
   * its own thread first and starts the collector thread only for a miss.
   */
  cached?(ctx: CollectorContext): Promise<unknown>;
  /** Extra connections on the same snapshot it can use (`ctx.parallel`); default none. */
  connections?: number;
  /**
   * How long it takes relative to the others on a large platform (default 1): database
   * collectors start on free lanes costliest first (collectors/lanes.ts). Order only.
   */
  cost?: number;
  facts: S;
  collect(ctx: CollectorContext): Promise<z.output<S>>;
}

export function defineCollector<S extends z.ZodTypeAny>(c: Collector<S>): Collector<S> {
  return c;
}

/** Facts of one run, keyed by collector id. */
export type FactSet = Record<string, unknown>;

/** Stands in for the catalog of a collector that did not declare `needsCatalog`: any use fails loudly. */
export function catalogNotDeclared(id: string): CatalogData {
  return new Proxy({} as CatalogData, {
    get() {
      throw new Error(`collector ${id} reads the catalog but does not declare needsCatalog: true`);
    },
  });
}
