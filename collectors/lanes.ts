/**
 * Database collectors on several connections at once (a speed trick; TRUST_COLLECTOR_LANES=1
 * turns it off and runs them one after another on one connection, the plain way).
 *
 * Each lane is a connection whose READ ONLY, repeatable-read transaction imported the
 * collectors' snapshot (collectors/run.ts), so a collector sees the same database whatever
 * lane it runs on, and alongside whichever others: collectors are independent and only read.
 * The server then works on several queries at once (PostgreSQL runs one query per
 * connection on one core), where one connection left every core but one idle while the
 * largest queries ran. A collector that splits its own work (`connections`) gets the other
 * lanes as its `parallel` connections; their queries queue behind whatever runs there, which
 * changes when, never what, they read. test/collectors/lanes.test.ts proves the facts equal
 * those of a run on one lane.
 */

import type pg from 'pg';
import type { CollectorContext } from './types.ts';

/** Lanes (connections on the snapshot) the database collectors run on by default. */
export const DEFAULT_LANES = 3;
const MAX_LANES = 8;

/** TRUST_COLLECTOR_LANES: how many connections the database collectors share (1: one after another). */
export function collectorLanes(env: NodeJS.ProcessEnv = process.env): number {
  const v = env.TRUST_COLLECTOR_LANES?.trim();
  if (!v) return DEFAULT_LANES;
  const n = Number(v);
  return Number.isInteger(n) && n >= 1 ? Math.min(n, MAX_LANES) : DEFAULT_LANES;
}

/**
 * The order collectors are handed to free lanes: the costliest first (so the longest does
 * not start last), then by id. `cost` is the collector's own hint (default 1).
 */
export function laneOrder<T extends { id: string; cost?: number }>(items: T[]): T[] {
  return [...items].sort((a, b) => (b.cost ?? 1) - (a.cost ?? 1) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/**
 * Runs every item on one of `lanes` workers, each taking the next item as soon as it is
 * free. After a failure no further item starts; the items running finish (their queries must
 * not outlive the transaction the caller is about to end), then the failure of the item
 * earliest in `items` is thrown, so the same run fails the same way whatever the timing.
 */
export async function runOnLanes<T>(items: T[], lanes: number, run: (item: T, lane: number) => Promise<void>): Promise<void> {
  let next = 0;
  const failures: { index: number; error: unknown }[] = [];
  const worker = async (lane: number): Promise<void> => {
    while (next < items.length && !failures.length) {
      const index = next++;
      try {
        await run(items[index], lane);
      } catch (error) {
        failures.push({ index, error });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(lanes, items.length)) }, (_, lane) => worker(lane)));
  if (failures.length) throw failures.sort((a, b) => a.index - b.index)[0].error;
}

/**
 * A connection's queries one at a time, in the order asked. Several collectors share a lane
 * (a collector's `parallel` queries run on the other lanes), and node-postgres queues
 * concurrent queries on one client only as a deprecated convenience (it warns on stderr, and
 * pg 9 drops it). So every use of a lane's client goes through its queue: a query is sent
 * once the one before it has finished, and `send` returns at once what the caller awaits.
 */
export interface LaneQueue {
  /** A query that returns a promise: sent in turn; the promise settles with its result. */
  send<T>(query: () => Promise<T>): Promise<T>;
  /** A submittable with a `done` promise (the audit chain's COPY, platform/audit/copy-out.ts): sent in turn, returned at once. */
  submit<S extends { done: Promise<unknown> }>(submittable: S, send: (s: S) => unknown): S;
}

export function laneQueue(): LaneQueue {
  let tail: Promise<unknown> = Promise.resolve();
  const after = <T>(start: () => Promise<T>): Promise<T> => {
    const result = tail.then(start, start);
    tail = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  };
  return {
    send: (query) => after(query),
    submit(submittable, send) {
      // A failure to send surfaces through `done`, which the caller awaits.
      void after(() => {
        send(submittable);
        return submittable.done;
      }).catch(() => {});
      return submittable;
    },
  };
}

/** One queue per connection, shared by every `sql` and client handed out for it. */
const queues = new WeakMap<pg.ClientBase, LaneQueue>();
const queueOf = (client: pg.ClientBase): LaneQueue => {
  let q = queues.get(client);
  if (!q) queues.set(client, (q = laneQueue()));
  return q;
};

/** A counted `sql` function bound to one client; its queries go one at a time (laneQueue). */
export function countingSql(client: pg.ClientBase, counter: { queries: number }): CollectorContext['sql'] {
  const queue = queueOf(client);
  return async (text, params) => {
    counter.queries++;
    const r = await queue.send(() => client.query(text, params as unknown[] | undefined));
    return r.rows;
  };
}

/** The client itself, with every query counted and sent in turn (platform verifiers take a client). */
export function countingClient(client: pg.ClientBase, counter: { queries: number }): pg.ClientBase {
  const queue = queueOf(client);
  return new Proxy(client, {
    get(target, prop, receiver) {
      if (prop === 'query') {
        return (...args: unknown[]) => {
          counter.queries++;
          const query = (...a: unknown[]) => (target.query as (...x: unknown[]) => unknown).apply(target, a);
          const first = args[0] as { submit?: unknown; done?: Promise<unknown> } | undefined;
          // A submittable with `done` (the COPY of the audit chain): in turn, returned at once.
          if (first && typeof first.submit === 'function' && first.done instanceof Promise) return queue.submit(first as { done: Promise<unknown> }, (sub) => query(sub, ...args.slice(1)));
          // Callback-style or other submittables: as the caller asked (none of ours).
          if (typeof args[args.length - 1] === 'function' || (first && typeof first.submit === 'function')) return query(...args);
          return queue.send(() => query(...args) as Promise<unknown>);
        };
      }
      const v = Reflect.get(target, prop, receiver);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
}
