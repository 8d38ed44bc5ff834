/** probe_refused judges recorded probe outcomes; it never passes what was not proven. */
import { describe, expect, it } from 'vitest';
import check from '../../controls/checks/probe-refused.ts';
import { runCheck } from '../../controls/checks/types.ts';
import { safeMessage, type EnforcementFacts, type ProbeFact } from '../../collectors/enforcement.ts';

const probe = (p: Partial<ProbeFact>): ProbeFact => ({
  name: 'audit_events.update', table: 'public.audit_events', act: 'write', statement: 'UPDATE audit_events SET actor = actor WHERE seq = $1',
  target: 'seq 1', outcome: 'raised', sqlstate: '42501', message: 'permission denied for table audit_events', rows: null, note: null, ...p,
});
const facts = (probes: ProbeFact[], runtime: EnforcementFacts['runtime'] = { available: true, role: 'trust_app', reason: null }) =>
  ({ enforcement: { runtime, probes } satisfies EnforcementFacts });
const run = (f: ReturnType<typeof facts>, params: Record<string, unknown>) => runCheck(check, f, params);

describe('probe_refused', () => {
  it('passes a refusal with the expected SQLSTATE, as enforcement', () => {
    const r = run(facts([probe({})]), { probe: 'audit_events.update', sqlstate: ['42501'] });
    expect(r.status).toBe('pass');
    expect(r.findings[0]).toMatchObject({ kind: 'enforcement', observed: 'refused: 42501 permission denied for table audit_events' });
  });

  it('fails an allowed write and a refusal by something other than the guard', () => {
    expect(run(facts([probe({ outcome: 'completed', sqlstate: null, message: null, rows: 1 })]), { probe: 'audit_events.*' }).findings[0]).toMatchObject({ status: 'fail', observed: 'allowed: 1 row(s)' });
    const r = run(facts([probe({ sqlstate: '23503', message: 'violates foreign key' })]), { probe: 'audit_events.update', sqlstate: ['42501', '23514'] });
    expect(r.status).toBe('fail');
    expect(r.findings[0].reason).toMatch(/not by the guard/);
  });

  it('judges reads by the rows seen, and matches names with *', () => {
    const reads = [
      probe({ name: 'cross_account_read.agents', table: 'public.agents', act: 'read', outcome: 'completed', sqlstate: null, message: null, rows: 0 }),
      probe({ name: 'cross_account_read.vms', table: 'public.vms', act: 'read', outcome: 'completed', sqlstate: null, message: null, rows: 1 }),
    ];
    const r = run(facts(reads), { probe: 'cross_account_read.*' });
    expect(r.findings.map((f) => f.status)).toEqual(['pass', 'fail']);
    expect(r.findings[1].origin.resource).toBe('table:public.vms');
  });

  it('errors, never passes, when probes were skipped, did not run, timed out, ran as another role or do not exist', () => {
    const skipped = run(facts([], { available: false, role: null, reason: 'no runtime credential; set TRUST_RUNTIME_URL' }), { probe: 'audit_events.update' });
    expect(skipped.status).toBe('error');
    expect(skipped.findings[0].reason).toBe('Enforcement probes were skipped: no runtime credential; set TRUST_RUNTIME_URL.');
    expect(run(facts([probe({ outcome: 'not_run', sqlstate: null, message: null, note: 'no row of vms to try it on' })]), { probe: 'audit_events.update' }).status).toBe('error');
    expect(run(facts([probe({ sqlstate: '55P03', message: 'canceling statement due to lock timeout' })]), { probe: 'audit_events.update' }).status).toBe('error');
    expect(run(facts([probe({})], { available: true, role: 'postgres', reason: null }), { probe: 'audit_events.update' }).status).toBe('error');
    expect(run(facts([probe({})]), { probe: 'no_such_probe' }).status).toBe('error');
  });

  it('keeps secrets out of recorded messages', () => {
    expect(safeMessage('value tev1:1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA refused\nDETAIL: row')).toBe('value tev1:… refused');
    expect(safeMessage('agent 0f59f30a-f8b3-4fe8-97a9-06f1dbdf69e1 pinned')).toBe('agent 0f59f30a-f8b3-4fe8-97a9-06f1dbdf69e1 pinned');
  });
});
