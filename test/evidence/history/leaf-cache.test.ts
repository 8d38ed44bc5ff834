/**
 * The history's leaf cache (evidence/history/leaf-cache.ts, TRUST_HISTORY_LEAF_CACHE) against the
 * plain way (decodeLeaf, a map and a digest per run): the same leaf or the same reason for every
 * entry, well-formed or not, including entries whose rows text the cache has already vouched for;
 * the same history from whole logs (runs of one part and of several, a regression, a forged log);
 * and a run whose rows the cache knows still has its own digest checked against its bundle leaf.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKeyPairSync } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { noteSigner } from '../../../evidence/tlog/note.ts';
import { append } from '../../../evidence/tlog/log.ts';
import { encodeLeaf, verdictsDigest, type Leaf, type VerdictRow } from '../../../evidence/tlog/leaves.ts';
import { entriesPath } from '../../../evidence/tlog/tiles.ts';
import { appendSimulatedRuns, planDemoHistory, runLeaves } from '../../../evidence/history/simulate.ts';
import { readHistory, type LogHistory } from '../../../evidence/history/read.ts';
import { historyLeafDecoder, LEAF_CACHE_SWITCH } from '../../../evidence/history/leaf-cache.ts';
import type { SigningKey } from '../../../evidence/bundle/keys.ts';

const { privateKey, publicKey } = generateKeyPairSync('ed25519');
const signer = noteSigner('example.test/leaf-cache', privateKey);
const verifiers = [{ name: signer.name, keyId: signer.keyId, publicKey: signer.publicKey }];
const key = { privateKey, publicKey, keyid: 'test', development: true, publicKeyPem: '' } as unknown as SigningKey;
const END = new Date('2026-04-01T00:00:00Z');
const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(path.join(os.tmpdir(), 'trust-leaf-cache-'));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function withSwitch<T>(on: boolean, fn: () => T): T {
  const saved = process.env[LEAF_CACHE_SWITCH];
  process.env[LEAF_CACHE_SWITCH] = on ? '1' : '0';
  try {
    return fn();
  } finally {
    if (saved === undefined) delete process.env[LEAF_CACHE_SWITCH];
    else process.env[LEAF_CACHE_SWITCH] = saved;
  }
}

/** A history as plain data: every field of every run, its rows as entries. */
function plainData(h: LogHistory) {
  return { ...h, tiles: undefined, runs: h.runs.map((r) => ({ ...r, rows: [...r.rows.entries()] })) };
}

/** readHistory both ways: the same history, or the same reason. */
function bothWays(dir: string) {
  const once = (on: boolean) =>
    withSwitch(on, () => {
      try {
        return { history: plainData(readHistory(dir, verifiers)) };
      } catch (e) {
        return { error: (e as Error).message };
      }
    });
  const cached = once(true);
  expect(cached).toEqual(once(false));
  return cached;
}

/** One decoder's answer for each entry in turn (the cache remembers earlier entries). */
function decodeAll(on: boolean, entries: readonly Buffer[]): ({ leaf: Leaf } | { error: string })[] {
  return withSwitch(on, () => {
    const d = historyLeafDecoder();
    return entries.map((e) => {
      try {
        return { leaf: d.decode(e) };
      } catch (err) {
        return { error: (err as Error).message };
      }
    });
  });
}

const ROWS: VerdictRow[] = [
  ['a_control', 'live', 'live', 'holds', 86_400],
  ['b_control', 'designed', 'designed', 'holds', 3600],
];
const AT = '2026-03-01T10:00:00Z';
const SHA = 'ab'.repeat(32);
const verdicts = (over: Record<string, unknown> = {}) => ({ kind: 'verdicts', v: 1, bundleSha256: SHA, at: AT, part: 1, parts: 1, rows: ROWS, ...over });
const bundle = (over: Record<string, unknown> = {}) => ({
  kind: 'bundle',
  v: 1,
  bundleSha256: SHA,
  catalogVersion: '1.2.0',
  verdictsSha256: 'cd'.repeat(32),
  controls: 2,
  failing: 0,
  at: AT,
  ...over,
});
// Canonical JSON written by hand (key order sorted), so leaves the schema refuses can be made too.
const canonical = (o: Record<string, unknown>) =>
  Buffer.from(
    JSON.stringify(
      Object.fromEntries(
        Object.keys(o)
          .sort()
          .map((k) => [k, o[k]]),
      ),
    ),
  );

describe('decoding one entry', () => {
  const good = encodeLeaf(verdicts() as Leaf);
  const entries: Buffer[] = [
    good,
    // The rows text the cache now knows, in leaves that are wrong elsewhere.
    canonical(verdicts({ at: '2026-13-01T10:00:00Z' })),
    canonical(verdicts({ at: '2026-03-01 10:00:00Z' })),
    canonical(verdicts({ part: 0 })),
    canonical(verdicts({ parts: 1.5 })),
    canonical(verdicts({ v: 2 })),
    canonical(verdicts({ simulated: false })),
    canonical(verdicts({ bundleSha256: 'AB'.repeat(32) })),
    canonical(verdicts({ extra: 1 })),
    Buffer.from(good.toString().replace('"part":1', '"part":01')),
    Buffer.from(good.toString().replace('{"at"', '{ "at"')),
    Buffer.from(good.toString().replace('"kind":"verdicts",', '') + ''),
    Buffer.concat([good, Buffer.from(' ')]),
    // Rows the schema refuses, or not written canonically.
    canonical(verdicts({ rows: [['a_control', 'live', 'live', 'holds']] })),
    canonical(verdicts({ rows: [['a_control', 'live', 'live', 'holds', 0]] })),
    canonical(verdicts({ rows: [['a_control', 'live', 'live', 'holds', 1.5]] })),
    canonical(verdicts({ rows: [['', 'live', 'live', 'holds', 60]] })),
    canonical(verdicts({ rows: [['a_control', 'alive', 'live', 'holds', 60]] })),
    canonical(verdicts({ rows: [['a_control', 'live', 'live', 'fine', 60]] })),
    canonical(verdicts({ rows: [['a_control', 'live', 'live', 'holds', 2 ** 53]] })),
    Buffer.from(good.toString().replace('86400', '8.64e4')),
    Buffer.from(good.toString().replace('"a_control"', '"a_\\u0063ontrol"')),
    Buffer.from(good.toString().replace('],["b_control"', '], ["b_control"')),
    // Ids that need escaping or are not ASCII, and bytes that are not UTF-8.
    encodeLeaf(verdicts({ rows: [['a"b\\c\n\u0001', 'live', 'live', 'holds', 60]] }) as Leaf),
    encodeLeaf(verdicts({ rows: [['contrôle_é', 'live', 'live', 'holds', 60]] }) as Leaf),
    Buffer.from(good.toString().replace('a_control', 'a_contro\u00ff').replace('\u00ff', '\ufffd'), 'utf8'),
    Buffer.concat([good.subarray(0, good.indexOf('a_control') + 2), Buffer.from([0xf0, 0x9f, 0x98]), good.subarray(good.indexOf('a_control') + 5)]),
    // Empty rows, a simulated run, later parts, and the good leaf once more.
    encodeLeaf(verdicts({ rows: [] }) as Leaf),
    encodeLeaf(verdicts({ simulated: true }) as Leaf),
    encodeLeaf(verdicts({ part: 2, parts: 3 }) as Leaf),
    good,
    // Bundle leaves and an audit head.
    encodeLeaf(bundle() as Leaf),
    encodeLeaf(bundle({ catalogVersion: '1.2.0+build.7', controls: 0, failing: 123456789012345 }) as Leaf),
    encodeLeaf(bundle({ catalogVersion: 'ver "quoted" é' }) as Leaf),
    encodeLeaf(bundle({ at: '2026-03-01T10:00:00.123Z' }) as Leaf),
    canonical(bundle({ at: '2026-02-30T10:00:00Z' })),
    canonical(bundle({ controls: -1 })),
    canonical(bundle({ catalogVersion: '' })),
    Buffer.from(
      encodeLeaf(bundle() as Leaf)
        .toString()
        .replace('"controls":2', '"controls":2.0'),
    ),
    encodeLeaf({ kind: 'audit-head', v: 1, database: 'postgres:1/trust', seq: 5, hash: SHA, at: AT }),
    Buffer.from('not json'),
    Buffer.alloc(0),
  ];

  it('gives the leaf decodeLeaf gives, or its reason, for every entry', () => {
    const cached = decodeAll(true, entries);
    const plain = decodeAll(false, entries);
    for (let i = 0; i < entries.length; i++) expect(cached[i], `entry ${i}: ${entries[i].toString('latin1').slice(0, 120)}`).toEqual(plain[i]);
    // Both accept and refuse something, so the comparison says something.
    expect(cached.filter((r) => 'leaf' in r).length).toBeGreaterThan(8);
    expect(cached.filter((r) => 'error' in r).length).toBeGreaterThan(20);
  });

  it('a run whose parts it has seen gets the digest the gate computed, and each run is assembled from its own parts', () => {
    const d = withSwitch(true, () => historyLeafDecoder());
    const leaf = d.decode(encodeLeaf(verdicts() as Leaf));
    const again = d.decode(encodeLeaf(verdicts({ at: '2026-03-01T11:00:00Z' }) as Leaf));
    if (leaf.kind !== 'verdicts' || again.kind !== 'verdicts') throw new Error('not verdicts');
    const digest = verdictsDigest(ROWS.map(([control, claimed, observed, verdict]) => ({ control, claimed, observed, verdict })));
    expect(d.assemble([leaf.rows]).digest).toBe(digest);
    expect(d.assemble([again.rows]).digest).toBe(digest);
    const other = d.decode(encodeLeaf(verdicts({ rows: [ROWS[0]] }) as Leaf));
    if (other.kind !== 'verdicts') throw new Error('not verdicts');
    expect(d.assemble([other.rows]).digest).not.toBe(digest);
    expect(d.assemble([other.rows, leaf.rows])).toEqual(withSwitch(false, () => historyLeafDecoder()).assemble([[ROWS[0]], ROWS]));
    // The same rows text gives the very same (frozen) rows: the cache is in use, and its rows cannot be changed.
    expect(again.rows).toBe(leaf.rows);
    expect(Object.isFrozen(leaf.rows) && Object.isFrozen(leaf.rows[0])).toBe(true);
  });
});

describe('whole logs', () => {
  let dir: string;
  beforeAll(async () => {
    // 450 controls: every run's verdicts take two leaves (400 rows a leaf).
    const controls = Array.from({ length: 450 }, (_, i) => ({ id: `control_${String(i).padStart(3, '0')}`, claimed: i % 7 ? ('live' as const) : ('designed' as const), maxAgeSeconds: 86_400 }));
    const plan = planDemoHistory({ days: 62, end: END, controls, catalogVersion: '1.0.0', runsPerDay: 1 });
    dir = tmp();
    await appendSimulatedRuns(dir, signer, key, plan.runs);
  }, 120_000);

  it('reads the same history both ways, runs of two parts and the regression included', () => {
    const r = bothWays(dir);
    if (!r.history) throw new Error(r.error);
    expect(r.history.runs.length).toBeGreaterThan(50);
    expect(r.history.runs.some((x) => x.rows.some(([, row]) => row[3] === 'regression'))).toBe(true);
  });

  it('refuses the same changed entry both ways, in a rows text repeated by other runs', () => {
    const copy = tmp();
    cpSync(dir, copy, { recursive: true });
    const size = Number(readFileSync(path.join(copy, 'checkpoint'), 'utf8').split('\n')[1]);
    expect(size).toBeLessThan(256);
    // One row of one run's second part: its rows text is the one most runs share.
    const file = path.join(copy, entriesPath(0, size));
    const bytes = readFileSync(file);
    const i = bytes.indexOf(Buffer.from('"control_449","live","live","holds"'));
    expect(i).toBeGreaterThan(0);
    bytes.write('"control_449","live","live","stale"', i);
    writeFileSync(file, bytes);
    const r = bothWays(copy);
    expect('error' in r && r.error).toMatch(/does not verify: tile\/0\/000.p\/\d+ does not match/);
  });

  it('checks the digest of a run whose rows text it already knows (a bundle leaf naming other verdicts is refused)', async () => {
    const d = tmp();
    const rows: VerdictRow[] = [['a_control', 'live', 'live', 'holds', 86_400]];
    const first = runLeaves({ at: new Date(AT), catalogVersion: '1.0.0', rows }, key);
    const second = runLeaves({ at: new Date('2026-03-01T11:00:00Z'), catalogVersion: '1.0.0', rows }, key);
    // The second run's bundle leaf signs another digest; its verdicts leaf carries the rows text of the first run.
    const forged = JSON.parse(second.leaves[0].toString());
    forged.verdictsSha256 = 'ee'.repeat(32);
    await append(d, [...first.leaves, encodeLeaf(forged), second.leaves[1]], signer);
    const r = bothWays(d);
    expect('error' in r && r.error).toMatch(/entry 2: the verdicts .*do not hash to its bundle leaf|verdicts of entry 2 do not hash/);
  });
});
