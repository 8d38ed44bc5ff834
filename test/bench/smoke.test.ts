/**
 * A smoke run of the whole benchmark suite with tiny workloads, so the suite cannot
 * rot: every benchmark must run (or say plainly why it skipped: a missing reference
 * tool) and the JSON must have the documented shape. Goals are not asserted: tiny
 * workloads on a shared test machine say nothing about them.
 */
import { afterAll, describe, expect, inject, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runBench } from './runner.ts';
import { BENCHMARKS } from './registry.ts';
import { formatMarkdown, formatTable } from './table.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const dir = mkdtempSync(path.join(os.tmpdir(), 'trust-bench-smoke-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// site-build-2000 runs the same code as site-build-200 with a bigger bundle; leaving it
// out keeps this test near a minute.
const SMOKE = BENCHMARKS.map((b) => b.name).filter((n) => n !== 'site-build-2000');

describe('benchmark suite (smoke)', () => {
  it('runs every benchmark on tiny workloads and writes out/bench.json-shaped results', async () => {
    const outFile = path.join(dir, 'bench.json');
    const log: string[] = [];
    const results = await runBench({ smoke: true, only: SMOKE, root: ROOT, outFile, adminUrl: inject('serverUrl'), log: (m) => log.push(m) });

    expect(results.map((r) => r.name)).toEqual(SMOKE);
    const errors = results.filter((r) => r.error).map((r) => `${r.name}: ${r.error}`);
    expect(errors).toEqual([]);
    for (const r of results) {
      if (r.skipped) {
        // Only a missing reference tool may skip, and it must say which.
        expect(r.skipped).toMatch(/PostgreSQL 15|Chromium/);
        continue;
      }
      expect(r.ours?.value, r.name).toBeGreaterThan(0);
      expect(r.met, `${r.name}: goals are not judged in a smoke run`).toBeNull();
      if (r.reference) {
        expect(r.reference.value, r.name).toBeGreaterThan(0);
        // Every ratio is ours over the reference (time, count or throughput), up to rounding.
        const expected = r.ours!.value / r.reference.value;
        expect(Math.abs(r.ratio! - expected), r.name).toBeLessThanOrEqual(0.05 * Math.max(1, expected));
      }
    }
    const qc = results.find((r) => r.name === 'query-count')!;
    expect(qc.ours!.value).toBe(qc.reference!.value);

    const json = JSON.parse(readFileSync(outFile, 'utf8'));
    expect(json.smoke).toBe(true);
    expect(json.benchmarks).toHaveLength(SMOKE.length);
    for (const b of json.benchmarks) expect(Object.keys(b)).toEqual(expect.arrayContaining(['name', 'ours', 'reference', 'ratio', 'goal', 'met']));
    expect(formatTable(results)).toContain('audit-verify-full');
    expect(formatMarkdown(results).split('\n')[0]).toMatch(/^\| benchmark \|/);
  }, 240_000);
});
