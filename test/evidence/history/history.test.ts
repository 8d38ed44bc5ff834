/**
 * The evidence history from synthetic logs built with the tlog library (no database):
 * the 90-day fixture of issue 16 (no runs on days 41 to 43, a regression on day 60), the
 * timeline figures, the period report (exact counts, longest gap, exceptions with proofs
 * that verify, byte-identical output with a seeded sample, OSCAL valid against 1.2.1), and
 * a log that does not verify refusing to give a history.
 */
import { describe, expect, it, beforeAll } from 'vitest';
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { noteSigner, verifierKeyString } from '../../../evidence/tlog/note.ts';
import { appendSimulatedRuns, planDemoHistory, runLeaves, type SimulatedRun } from '../../../evidence/history/simulate.ts';
import { readHistory } from '../../../evidence/history/read.ts';
import { buildPeriod } from '../../../evidence/history/period.ts';
import { historyReport } from '../../../evidence/history/timeline.ts';
import { buildPeriodAssessmentResults } from '../../../evidence/oscal/period.ts';
import { renderPeriodPdf } from '../../../evidence/report/period-pdf.ts';
import { verifyInclusion } from '../../../evidence/tlog/proof.ts';
import { append } from '../../../evidence/tlog/log.ts';
import { entriesPath } from '../../../evidence/tlog/tiles.ts';
import { InputError } from '../../../platform/kernel/errors.ts';
import type { SigningKey } from '../../../evidence/bundle/keys.ts';

const require = createRequire(import.meta.url);
const ROOT = path.resolve(import.meta.dirname, '..', '..', '..');
const { privateKey, publicKey } = generateKeyPairSync('ed25519');
const signer = noteSigner('example.test/history', privateKey);
const verifiers = [{ name: signer.name, keyId: signer.keyId, publicKey: signer.publicKey }];
const key = { privateKey, publicKey, keyid: 'test', development: true, publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString() } as unknown as SigningKey;
const END = new Date('2026-04-01T00:00:00Z');
const DAY = 86_400_000;
const CONTROLS = [
  { id: 'audit_events_append_only', claimed: 'live' as const, maxAgeSeconds: 86_400 },
  { id: 'resource_region_pinned', claimed: 'live' as const, maxAgeSeconds: 86_400 },
  { id: 'weekly_review', claimed: 'live' as const, maxAgeSeconds: 7 * 86_400 },
  { id: 'vault_transit_keys', claimed: 'designed' as const, maxAgeSeconds: 86_400 },
];
let dir: string;
let plan: ReturnType<typeof planDemoHistory>;

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'trust-history-'));
  plan = planDemoHistory({ days: 90, end: END, controls: CONTROLS, catalogVersion: '1.2.0', runsPerDay: 4 });
  await appendSimulatedRuns(dir, signer, key, plan.runs);
}, 120_000);

describe('a 90-day history with no runs on days 41 to 43 and a regression on day 60', () => {
  it('the plan is what the fixture says', () => {
    const start = END.getTime() - 90 * DAY;
    const dayOf = (r: SimulatedRun) => Math.floor((r.at.getTime() - start) / DAY) + 1;
    expect(plan.runs.filter((r) => [41, 42, 43].includes(dayOf(r)))).toEqual([]);
    expect(plan.regressed).toBe('resource_region_pinned');
    const failing = plan.runs.filter((r) => r.rows.some((row) => row[3] === 'regression'));
    expect(failing.length).toBeGreaterThan(0);
    expect(failing.every((r) => dayOf(r) === 60)).toBe(true);
  });

  it('reads every run back from the verified log, marked simulated', () => {
    const h = readHistory(dir, verifiers);
    expect(h.runs).toHaveLength(plan.runs.length);
    expect(h.runs.every((r) => r.simulated)).toBe(true);
    expect(h.checkpoint.size).toBe(plan.runs.length * 2);
  });

  it('period: exact evaluations, the missing days as the longest gap, the regression as an exception whose proof verifies', () => {
    const h = readHistory(dir, verifiers);
    const p = buildPeriod(h, { from: new Date(END.getTime() - 90 * DAY), to: END });
    const c = p.controls.find((x) => x.id === 'resource_region_pinned')!;
    expect(c.evaluations).toBe(plan.runs.length);
    const failing = plan.runs.filter((r) => r.rows.some((row) => row[0] === c.id && row[3] === 'regression'));
    expect(c.passed).toBe(plan.runs.length - failing.length);
    // The last run of day 40 to the first of day 44: more than three days.
    const start = END.getTime() - 90 * DAY;
    const last40 = plan.runs.filter((r) => r.at.getTime() < start + 40 * DAY).at(-1)!;
    const first44 = plan.runs.find((r) => r.at.getTime() >= start + 43 * DAY)!;
    expect(c.longestGap).toEqual({ from: last40.at.toISOString(), to: first44.at.toISOString(), seconds: (first44.at.getTime() - last40.at.getTime()) / 1000 });
    expect(c.longestGap!.seconds).toBeGreaterThan(3 * 86_400);
    expect(c.operatedThroughout).toBe(false);
    const runs = c.exceptions.filter((e) => e.kind === 'failed-run');
    expect(runs).toHaveLength(failing.length);
    expect(c.exceptions.filter((e) => e.kind === 'gap')).toHaveLength(1);
    for (const e of runs) {
      const proof = e.run!.inclusionProof;
      expect(e.run!.bundleSha256).toMatch(/^[0-9a-f]{64}$/);
      const ok = verifyInclusion(
        proof.leafIndex,
        proof.treeSize,
        Buffer.from(proof.leafHash, 'base64'),
        proof.hashes.map((x) => Buffer.from(x, 'base64')),
        Buffer.from(proof.root, 'base64'),
      );
      expect(ok).toBe(true);
    }
    // The weekly control's gap of three days is within its maximum age: it operated throughout.
    const weekly = p.controls.find((x) => x.id === 'weekly_review')!;
    expect(weekly.exceptions).toEqual([]);
    expect(weekly.operatedThroughout).toBe(true);
    // A designed control did not operate as a live one.
    expect(p.controls.find((x) => x.id === 'vault_transit_keys')!.exceptions.map((e) => e.kind)).toContain('not-claimed-live');
  });

  it('trust log prove --leaf prints the same inclusion proof as the period exception', () => {
    const h = readHistory(dir, verifiers);
    const p = buildPeriod(h, { from: new Date(END.getTime() - 90 * DAY), to: END });
    const proof = p.controls.find((x) => x.id === 'resource_region_pinned')!.exceptions.find((e) => e.kind === 'failed-run')!.run!.inclusionProof;
    const vkey = verifierKeyString(verifiers[0]);
    const out = execFileSync(process.execPath, [path.join(ROOT, 'evidence/cli/bin.mjs'), 'log', 'prove', '--leaf', String(proof.leafIndex), '--dir', dir, '--vkey', vkey, '--json'], {
      encoding: 'utf8',
    });
    const printed = JSON.parse(out);
    expect(printed.proof).toEqual(proof.hashes);
    expect(printed.root).toBe(proof.root);
    expect(printed.leafHash).toBe(proof.leafHash);
  }, 120_000);

  it('period files with --sample 25 --seed 42 are byte-identical on every call, and the OSCAL results validate', async () => {
    const make = async () => {
      const h = readHistory(dir, verifiers);
      const p = buildPeriod(h, { from: new Date(END.getTime() - 90 * DAY), to: END, sample: 25, seed: '42' });
      return { json: JSON.stringify(p, null, 2), pdf: await renderPeriodPdf(p), oscal: JSON.stringify(buildPeriodAssessmentResults(h, p)), p };
    };
    const a = await make();
    const b = await make();
    expect(a.json).toBe(b.json);
    expect(a.pdf.equals(b.pdf)).toBe(true);
    expect(a.p.sample).toHaveLength(25);
    expect(a.p.simulatedNote).toMatch(/simulated/);
    // Another seed, another sample; the same population.
    const other = buildPeriod(readHistory(dir, verifiers), { from: new Date(END.getTime() - 90 * DAY), to: END, sample: 25, seed: '43' });
    expect(other.sample.map((s) => s.leafIndex)).not.toEqual(a.p.sample.map((s) => s.leafIndex));
    expect(other.population).toEqual(a.p.population);
    const Ajv = require('ajv').default;
    const addFormats = require('ajv-formats').default;
    const ajv = new Ajv({ strict: false, allErrors: true });
    addFormats(ajv);
    const validate = ajv.compile(JSON.parse(readFileSync(path.join(ROOT, 'test/fixtures/oscal/oscal_assessment-results_schema.json'), 'utf8')));
    const doc = JSON.parse(a.oscal);
    expect(validate(doc), JSON.stringify(validate.errors?.slice(0, 3))).toBe(true);
    expect(doc['assessment-results'].results).toHaveLength(plan.runs.length);
  }, 120_000);

  it('history: first live, last failure, current streak, uptime, and every change with its bundle', () => {
    const h = readHistory(dir, verifiers);
    const r = historyReport(h, END);
    expect(r.simulatedRuns).toBe(plan.runs.length);
    const c = r.controls.find((x) => x.id === 'resource_region_pinned')!;
    expect(c.firstLive!.at).toBe(plan.runs[0].at.toISOString());
    const failing = plan.runs.filter((x) => x.rows.some((row) => row[0] === c.id && row[3] === 'regression'));
    expect(c.lastFailure!.at).toBe(failing.at(-1)!.at.toISOString());
    expect(c.changes.map((x) => x.to)).toEqual(['live', 'stale', 'live', 'failing', 'live']);
    const stale = c.changes[1];
    expect(stale.derived).toMatch(/no run within 1d/);
    expect(c.state).toBe('live');
    expect(c.currentStreak!.state).toBe('live');
    expect(c.currentStreak!.since).toBe(c.changes[4].at);
    const fixedAt = Date.parse(c.changes[4].at);
    expect(c.currentStreak!.runs).toBe(plan.runs.filter((x) => x.at.getTime() >= fixedAt).length);
    // 30 days: no failure and no long gap in the last 30 days of the fixture (day 60 is 30 days before the end).
    const u30 = c.uptime.find((u) => u.days === 30)!;
    expect(u30.failingRuns).toBe(0);
    expect(u30.uptime).toBe(1);
    const u90 = c.uptime.find((u) => u.days === 90)!;
    expect(u90.uptime).toBeGreaterThan(0.9);
    expect(u90.uptime).toBeLessThan(1);
    expect(u90.failingRuns).toBe(failing.length);
    for (const ch of c.changes) expect(ch.bundleSha256).toMatch(/^[0-9a-f]{64}$/);
    // Judged later with no new run, the control is stale.
    const later = historyReport(h, new Date(END.getTime() + 2 * DAY)).controls.find((x) => x.id === c.id)!;
    expect(later.state).toBe('stale');
  });
});

describe('a log that does not verify gives no history', () => {
  it('a changed entry is refused with one line', async () => {
    const d = mkdtempSync(path.join(os.tmpdir(), 'trust-history-bad-'));
    await appendSimulatedRuns(d, signer, key, plan.runs.slice(0, 3));
    const file = path.join(d, entriesPath(0, 6));
    const bytes = readFileSync(file);
    const i = bytes.indexOf(Buffer.from('"holds"'));
    bytes.write('"stale"', i);
    writeFileSync(file, bytes);
    expect(() => readHistory(d, verifiers)).toThrow(InputError);
    expect(() => readHistory(d, verifiers)).toThrow(/does not verify/);
  });

  it('verdicts that do not hash to their bundle leaf are refused', async () => {
    const d = mkdtempSync(path.join(os.tmpdir(), 'trust-history-mismatch-'));
    const run = plan.runs[0];
    const good = runLeaves(run, key);
    const forged = runLeaves({ ...run, rows: run.rows.map((r) => (r[0] === 'resource_region_pinned' ? [r[0], 'live', 'roadmap', 'regression', r[4]] : r)) }, key);
    // The bundle leaf of the real run, followed by the forged run's verdicts under its digest.
    const forgedVerdicts = JSON.parse(forged.leaves[1].toString());
    forgedVerdicts.bundleSha256 = JSON.parse(good.leaves[0].toString()).bundleSha256;
    const { encodeLeaf } = await import('../../../evidence/tlog/leaves.ts');
    await append(d, [good.leaves[0], encodeLeaf(forgedVerdicts)], signer);
    expect(() => readHistory(d, verifiers)).toThrow(/do not hash to its bundle leaf/);
    expect(readdirSync(d)).toContain('checkpoint');
  });
});
