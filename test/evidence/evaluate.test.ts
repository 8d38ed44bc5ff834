import { describe, expect, it } from 'vitest';
import { evaluateCatalog } from '../../evidence/evaluate.ts';
import { fixtureCatalog, fixtureChecks, fixtureControls, fixtureParts, type FixtureState } from '../fixtures/evidence/fixture.ts';

const find = (id: string) => fixtureChecks.find((c) => c.id === id);
function evaluate(state: FixtureState = {}, catalog = fixtureCatalog()) {
  const r = evaluateCatalog(catalog, fixtureParts(state), { findCheck: find });
  return { ...r, by: Object.fromEntries(r.evaluations.map((e) => [e.control, e])) };
}

describe('evaluate', () => {
  it('every claim holds on the healthy fixture platform', () => {
    const { by, summary } = evaluate();
    expect(Object.fromEntries(Object.entries(by).map(([k, e]) => [k, `${e.claimed}/${e.observed}/${e.verdict}`]))).toEqual({
      audit_events_append_only: 'live/live/holds',
      keys_rotated: 'designed/designed/holds',
      soc2_type2_audited: 'roadmap/roadmap/holds',
      tokens_encrypted: 'live/live/holds',
      vm_disks_encrypted: 'designed/designed/holds',
    });
    expect(summary).toEqual({ controls: 5, claimed: { live: 2, designed: 2, roadmap: 1 }, observed: { live: 2, designed: 2, roadmap: 1 }, regressions: 0, unsupported: 0, readyToPromote: 0 });
    expect(Object.values(by).every((e) => e.findings.length === 0)).toBe(true);
  });

  it('a live control whose check fails is a regression with the finding and its origin', () => {
    const { by, summary } = evaluate({ tokensEncrypted: false });
    const e = by.tokens_encrypted;
    expect(e.verdict).toBe('regression');
    expect(e.observed).toBe('roadmap');
    expect(e.findings).toEqual([
      {
        check: 'fixture_flag',
        status: 'fail',
        kind: 'structure',
        reason: 'Property `tokens_encrypted` is off.',
        observed: 'tokens_encrypted=false',
        origin: { resource: 'config:tokens_encrypted', file: 'platform/config/encryption.yaml', line: 3 },
      },
    ]);
    expect(summary.regressions).toBe(1);
  });

  it('a live control proven only by catalog-only checks is a regression (no self-attestation)', () => {
    const selfAttesting = (id: string) => {
      const def = find(id);
      return def ? { ...def, catalogOnly: true } : undefined;
    };
    const r = evaluateCatalog(fixtureCatalog(), fixtureParts(), { findCheck: selfAttesting });
    const e = r.evaluations.find((x) => x.control === 'tokens_encrypted')!;
    expect(e.verdict).toBe('regression');
    expect(e.findings[0]).toMatchObject({ check: 'catalog', status: 'fail', kind: 'structure' });
    expect(e.findings[0].reason).toMatch(/reads only the catalog's own text/);
  });

  it('a control with an external claim is judged at that claim on a server the platform does not operate', () => {
    const controls = fixtureControls().map((c) =>
      c.id === 'tokens_encrypted'
        ? { ...c, external: { status: 'designed' as const, reason: 'kept by the server operator, not the platform' }, artifacts: [{ file: 'platform/infra/disk.tf', resource: 'disk.encrypted' }] }
        : c,
    );
    const broken = fixtureParts({ tokensEncrypted: false });
    (broken.design.facts as { controls: unknown[] }).controls.push({ control: 'tokens_encrypted', artifacts: [{ file: 'platform/infra/disk.tf', resource: 'disk.encrypted', found: true, line: 3 }] });
    const onEmbedded = evaluateCatalog(fixtureCatalog(controls), broken, { findCheck: find, environment: { kind: 'embedded' } });
    expect(onEmbedded.evaluations.find((x) => x.control === 'tokens_encrypted')).toMatchObject({ claimed: 'live', verdict: 'regression' });
    const onExternal = evaluateCatalog(fixtureCatalog(controls), broken, { findCheck: find, environment: { kind: 'external' } });
    expect(onExternal.evaluations.find((x) => x.control === 'tokens_encrypted')).toMatchObject({ claimed: 'designed', observed: 'designed', verdict: 'holds' });
  });

  it('missing facts are an error, never a pass: the live control regresses', () => {
    const parts = fixtureParts();
    delete (parts as Record<string, unknown>).fixture;
    const r = evaluateCatalog(fixtureCatalog(), parts, { findCheck: find });
    const e = r.evaluations.find((x) => x.control === 'audit_events_append_only')!;
    expect(e.verdict).toBe('regression');
    expect(e.findings[0]).toMatchObject({ status: 'error', reason: 'Facts from collector(s) fixture are missing.' });
  });

  it('a check that throws (absent fact) is an error finding', () => {
    const { by } = evaluate({ auditTrigger: 'D' });
    expect(by.audit_events_append_only.verdict).toBe('regression');
    expect(by.audit_events_append_only.findings[0].observed).toBe('enabled: D');
  });

  it('a live control with no check is a regression (nothing proves it)', () => {
    const controls = fixtureControls().map((c) => (c.id === 'tokens_encrypted' ? { ...c, checks: [] } : c));
    const { by } = evaluate({}, fixtureCatalog(controls));
    expect(by.tokens_encrypted.verdict).toBe('regression');
    expect(by.tokens_encrypted.findings[0].reason).toBe('Control tokens_encrypted claims live but names no check, so nothing proves it.');
  });

  it('an unregistered check is an error, not a pass', () => {
    const controls = fixtureControls().map((c) => (c.id === 'tokens_encrypted' ? { ...c, checks: [{ check: 'no_such_check', params: {} }] } : c));
    const { by } = evaluate({}, fixtureCatalog(controls));
    expect(by.tokens_encrypted.verdict).toBe('regression');
    expect(by.tokens_encrypted.checks[0].status).toBe('error');
  });

  it('a designed control whose artifact is missing is unsupported, naming the file', () => {
    const { by, summary } = evaluate({ diskFound: false });
    expect(by.vm_disks_encrypted.verdict).toBe('unsupported');
    expect(by.vm_disks_encrypted.observed).toBe('roadmap');
    expect(by.vm_disks_encrypted.findings).toEqual([
      {
        check: 'design_artifact',
        status: 'fail',
        reason: 'Design artifact platform/infra/disk.tf#resource.disk.encrypted named by vm_disks_encrypted was not found in the repository.',
        origin: { resource: 'file:platform/infra/disk.tf', file: 'platform/infra/disk.tf' },
      },
    ]);
    expect(summary.unsupported).toBe(1);
  });

  it('an artifact the design collector did not report counts as missing', () => {
    const parts = fixtureParts();
    parts.design.facts = { controls: [] };
    const r = evaluateCatalog(fixtureCatalog(), parts, { findCheck: find });
    expect(r.evaluations.filter((e) => e.verdict === 'unsupported').map((e) => e.control)).toEqual(['keys_rotated', 'vm_disks_encrypted']);
  });

  it("reads the design collector's flat shape (null for absent fields) and quotes why an artifact is missing", () => {
    const parts = fixtureParts();
    parts.design.facts = {
      artifacts: [
        { control: 'keys_rotated', file: 'platform/crypto/keyring.ts', symbol: 'rotateKeys', resource: null, found: true, line: 42, missing: null },
        {
          control: 'vm_disks_encrypted',
          file: 'platform/infra/disk.tf',
          symbol: null,
          resource: 'resource.disk.encrypted',
          found: false,
          line: null,
          missing: 'platform/infra/disk.tf does not declare resource.disk.encrypted',
        },
      ],
    };
    const r = evaluateCatalog(fixtureCatalog(), parts, { findCheck: find });
    const by = Object.fromEntries(r.evaluations.map((e) => [e.control, e]));
    expect(by.keys_rotated).toMatchObject({ verdict: 'holds', observed: 'designed', artifacts: [{ file: 'platform/crypto/keyring.ts', symbol: 'rotateKeys', found: true, line: 42 }] });
    expect(by.vm_disks_encrypted.verdict).toBe('unsupported');
    expect(by.vm_disks_encrypted.findings[0].reason).toBe(
      'Design artifact platform/infra/disk.tf#resource.disk.encrypted named by vm_disks_encrypted was not found in the repository (platform/infra/disk.tf does not declare resource.disk.encrypted).',
    );
  });

  it('a designed control whose checks all pass is ready to promote (and observed live)', () => {
    const { by, summary } = evaluate({ rotation: true });
    expect(by.keys_rotated).toMatchObject({ claimed: 'designed', observed: 'live', verdict: 'ready_to_promote', findings: [] });
    expect(summary.readyToPromote).toBe(1);
  });

  it('is deterministic: same facts, same evaluations', () => {
    expect(evaluate({ tokensEncrypted: false })).toEqual(evaluate({ tokensEncrypted: false }));
  });
});
