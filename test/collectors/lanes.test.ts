/**
 * The database collectors on several lanes (connections sharing one snapshot) give exactly
 * the facts of the plain run on one lane (collectors/lanes.ts), on a demo platform.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../helpers/db.ts';
import { runBulkDemo } from '../../platform/demo/bulk.ts';
import { loadCatalog } from '../../controls/loader.ts';
import { runCollectors } from '../../collectors/run.ts';
import { COLLECTORS } from '../../collectors/registry.ts';
import { collectorLanes, DEFAULT_LANES, laneOrder, laneQueue, runOnLanes } from '../../collectors/lanes.ts';
import type { Catalog } from '../../controls/types.ts';
import { randomKeyringJson } from '../helpers/demo-database.ts';

const root = process.cwd();
let db: Awaited<ReturnType<typeof createTestDatabase>>;
let catalog: Catalog;

beforeAll(async () => {
  process.env.TRUST_KEYRING = randomKeyringJson();
  db = await createTestDatabase();
  await runBulkDemo(db, { scale: 1, seed: 7, log: () => {} });
  catalog = await loadCatalog(root);
}, 600_000);
afterAll(async () => {
  await db?.drop();
});

describe('database collectors on lanes', () => {
  it('give the facts and the query count of the run on one lane', async () => {
    const now = new Date();
    const only = COLLECTORS.filter((c) => c.needsDatabase).map((c) => c.id);
    const opts = { root, now, catalog, auditVerification: 'full' as const, only };
    const plain = await runCollectors(db, { ...opts, lanes: 1 });
    const lanes = await runCollectors(db, { ...opts, lanes: DEFAULT_LANES });
    expect(Object.keys(lanes.parts)).toEqual(Object.keys(plain.parts));
    expect(Object.keys(plain.parts).length).toBeGreaterThan(10);
    for (const id of Object.keys(plain.parts)) expect(lanes.parts[id], id).toEqual(plain.parts[id]);
    expect(lanes.queries).toBe(plain.queries);
    // More lanes than collectors that split their work: the same facts, but for the count of
    // the gate's own reader sessions, which db_tls reports (one more connection is open).
    const wide = await runCollectors(db, { ...opts, lanes: 5 });
    for (const id of Object.keys(plain.parts).filter((x) => x !== 'db_tls')) expect(wide.parts[id], id).toEqual(plain.parts[id]);
    const tls = (r: typeof plain) => ({ ...(r.parts.db_tls.facts as Record<string, unknown>), sessions: null });
    expect(tls(wide)).toEqual(tls(plain));
  }, 300_000);

  it('TRUST_COLLECTOR_LANES=1 turns them off; a bad value keeps the default', () => {
    expect(collectorLanes({ TRUST_COLLECTOR_LANES: '1' })).toBe(1);
    expect(collectorLanes({ TRUST_COLLECTOR_LANES: '4' })).toBe(4);
    expect(collectorLanes({})).toBe(DEFAULT_LANES);
    expect(collectorLanes({ TRUST_COLLECTOR_LANES: 'many' })).toBe(DEFAULT_LANES);
    expect(collectorLanes({ TRUST_COLLECTOR_LANES: '0' })).toBe(DEFAULT_LANES);
  });
});

describe('runOnLanes', () => {
  it('runs every item once, at most `lanes` at a time, the costliest first', async () => {
    const order = laneOrder([{ id: 'b' }, { id: 'heavy', cost: 10 }, { id: 'a' }, { id: 'mid', cost: 3 }]).map((x) => x.id);
    expect(order).toEqual(['heavy', 'mid', 'a', 'b']);
    let running = 0;
    let most = 0;
    const seen: string[] = [];
    await runOnLanes(order, 2, async (id) => {
      most = Math.max(most, ++running);
      await new Promise((r) => setTimeout(r, id === 'heavy' ? 30 : 5));
      seen.push(id);
      running--;
    });
    expect(most).toBe(2);
    expect(seen.sort()).toEqual(['a', 'b', 'heavy', 'mid']);
  });

  it("after a failure starts nothing more, lets the running items finish, and throws the earliest item's failure", async () => {
    const finished: number[] = [];
    const started: number[] = [];
    const e = await runOnLanes([0, 1, 2, 3, 4, 5], 3, async (i) => {
      started.push(i);
      // Item 2 fails first in time, item 1 a little later: item 1's failure is the one thrown.
      await new Promise((r) => setTimeout(r, i === 2 ? 1 : i === 1 ? 10 : 20));
      if (i === 1 || i === 2) throw new Error(`item ${i}`);
      finished.push(i);
    }).catch((x: Error) => x);
    expect((e as Error).message).toBe('item 1');
    expect(started.sort()).toEqual([0, 1, 2]);
    expect(finished).toEqual([0]);
  });
});

describe('laneQueue', () => {
  it('sends one query at a time, in the order asked, a submittable until its done settles, a failure not blocking the next', async () => {
    const q = laneQueue();
    const log: string[] = [];
    let inFlight = 0;
    const query =
      (name: string, ms: number, fail = false) =>
      async () => {
        log.push(`start ${name}`);
        if (++inFlight > 1) throw new Error('two queries at once');
        await new Promise((r) => setTimeout(r, ms));
        inFlight--;
        log.push(`end ${name}`);
        if (fail) throw new Error(name);
        return name;
      };
    let finishCopy!: () => void;
    const copy = {
      done: new Promise<void>((r) => {
        finishCopy = r;
      }),
      sent: false,
    };
    const a = q.send(query('a', 20));
    const b = q.send(query('b', 1, true));
    const sub = q.submit(copy, (s) => {
      s.sent = true;
      log.push('start copy');
      inFlight++;
      setTimeout(() => {
        inFlight--;
        log.push('end copy');
        finishCopy();
      }, 15);
    });
    expect(sub).toBe(copy);
    expect(copy.sent).toBe(false);
    const c = q.send(query('c', 1));
    await expect(a).resolves.toBe('a');
    await expect(b).rejects.toThrow('b');
    await expect(c).resolves.toBe('c');
    expect(log).toEqual(['start a', 'end a', 'start b', 'end b', 'start copy', 'end copy', 'start c', 'end c']);
  });
});
