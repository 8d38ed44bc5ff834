/**
 * Freshness is decided by the engine only (evidence/freshness.ts): durations, the stale
 * verdict for a holding live claim older than its maximum age, rejudging a signed bundle
 * later, and the gate failure that names the control.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_MAX_EVIDENCE_AGE, judgeFreshness, maxAgeSeconds, parseDuration, rejudge } from '../../../evidence/freshness.ts';
import { evaluationFailures } from '../../../evidence/ci/gate.ts';
import { ControlFileSchema } from '../../../controls/types.ts';
import { InputError } from '../../../platform/kernel/errors.ts';
import type { Bundle, ControlEvaluation } from '../../../evidence/types.ts';

const ev = (control: string, claimed: 'live' | 'designed', verdict: ControlEvaluation['verdict'] = 'holds'): ControlEvaluation => ({
  control,
  claimed,
  observed: verdict === 'regression' ? 'roadmap' : claimed,
  verdict,
  checks: [],
  artifacts: [],
  findings: [],
});

describe('freshness', () => {
  it("parses the catalog's durations and refuses anything else with one line", () => {
    expect(parseDuration('24h')).toBe(86_400);
    expect(parseDuration('7d')).toBe(604_800);
    expect(parseDuration('90m')).toBe(5_400);
    expect(maxAgeSeconds({})).toBe(parseDuration(DEFAULT_MAX_EVIDENCE_AGE));
    for (const bad of ['0h', '24', 'h', '1.5h', '24 h', '-1d']) expect(() => parseDuration(bad)).toThrow(InputError);
  });

  it('the control schema takes maxEvidenceAge and refuses a malformed one', () => {
    const base = { id: 'x_y', title: 'Title', statement: 'A statement here.', description: 'A description here.', category: 'logging', status: 'live' };
    expect(ControlFileSchema.parse({ ...base, maxEvidenceAge: '1h' }).maxEvidenceAge).toBe('1h');
    expect(ControlFileSchema.parse(base).maxEvidenceAge).toBeUndefined();
    expect(ControlFileSchema.safeParse({ ...base, maxEvidenceAge: '1 hour' }).success).toBe(false);
  });

  it('in a gate run the evidence is fresh; judged past the maximum age a holding live claim is stale', () => {
    const controls = [{ id: 'a', maxEvidenceAge: '1h' }, { id: 'b' }, { id: 'c' }, { id: 'd' }];
    const evals = [ev('a', 'live'), ev('b', 'live'), ev('c', 'live', 'regression'), ev('d', 'designed')];
    const t = new Date('2026-01-01T00:00:00Z');
    expect(judgeFreshness(evals, controls, { evidenceAt: t, judgedAt: t }).map((e) => e.verdict)).toEqual(['holds', 'holds', 'regression', 'holds']);
    const later = judgeFreshness(evals, controls, { evidenceAt: t, judgedAt: new Date(t.getTime() + 2 * 3600_000) });
    // a (1h) is stale after two hours; b (default 24h) is not; failing and designed claims keep their verdicts.
    expect(later.map((e) => e.verdict)).toEqual(['stale', 'holds', 'regression', 'holds']);
    expect(later[0].freshness).toEqual({ evidenceAt: t.toISOString(), maxAgeSeconds: 3600 });
    const failures = evaluationFailures(later);
    expect(failures.map((f) => f.kind)).toEqual(['stale', 'regression']);
    expect(failures[0].message).toMatch(/^stale: a: .*older than its maximum evidence age of 1h/);
  });

  it('rejudging a signed bundle later marks stale without touching a fresh one', () => {
    const t = new Date('2026-01-01T00:00:00Z');
    const evaluations = judgeFreshness([ev('a', 'live')], [{ id: 'a' }], { evidenceAt: t, judgedAt: t });
    const bundle = { evaluations } as unknown as Bundle;
    expect(rejudge(bundle, new Date(t.getTime() + 3600_000))).toBe(bundle);
    const late = rejudge(bundle, new Date(t.getTime() + 25 * 3600_000));
    expect(late.evaluations[0].verdict).toBe('stale');
    expect(bundle.evaluations[0].verdict).toBe('holds');
    // Bundles from before freshness have no evidence instant: nothing to judge.
    const old = { evaluations: [ev('a', 'live')] } as unknown as Bundle;
    expect(rejudge(old, new Date('2030-01-01T00:00:00Z'))).toBe(old);
  });
});
