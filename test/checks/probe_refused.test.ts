/** probe_refused judges recorded probe outcomes; it never passes what was not proven. */
import { describe, expect, it } from 'vitest';
import check from '../../controls/checks/probe-refused.ts';
import { checkOf, failing } from './story.ts';
import { safeMessage, type EnforcementFacts, type ProbeFact } from '../../collectors/enforcement.ts';

const { run: runProbe, story } = checkOf(check);

const probe = (p: Partial<ProbeFact>): ProbeFact => ({
  name: 'audit_events.update',
  table: 'public.audit_events',
  act: 'write',
  statement: 'UPDATE audit_events SET actor = actor WHERE seq = $1',
  target: 'seq 1',
  outcome: 'raised',
  sqlstate: '42501',
  message: 'permission denied for table audit_events',
  rows: null,
  note: null,
  ...p,
});
const facts = (probes: ProbeFact[], runtime: EnforcementFacts['runtime'] = { available: true, role: 'trust_app', reason: null }) => ({ enforcement: { runtime, probes } satisfies EnforcementFacts });
const run = (f: ReturnType<typeof facts>, params: Record<string, unknown>) => runProbe(f, params);
const allowed = () => probe({ outcome: 'completed', sqlstate: null, message: null, rows: 1 });

describe('probe_refused', () => {
  it('passes a refusal with the expected SQLSTATE, as enforcement', () => {
    const r = run(facts([probe({})]), { probe: 'audit_events.update', sqlstate: ['42501'] });
    expect(r.status).toBe('pass');
    expect(r.findings[0]).toMatchObject({ kind: 'enforcement', observed: 'refused: 42501 permission denied for table audit_events' });
  });

  story('clean → the write allowed (the guard dropped) → refused again', () => {
    expect(run(facts([probe({})]), { probe: 'audit_events.*' }).status).toBe('pass');
    expect(run(facts([allowed()]), { probe: 'audit_events.*' }).findings[0]).toMatchObject({ status: 'fail', observed: 'allowed: 1 row(s)' });
    expect(run(facts([probe({})]), { probe: 'audit_events.*' }).status).toBe('pass');
  });

  story('clean → refused by something other than the guard → by the guard again', () => {
    expect(run(facts([probe({})]), { probe: 'audit_events.update', sqlstate: ['42501', '23514'] }).status).toBe('pass');
    const r = run(facts([probe({ sqlstate: '23503', message: 'violates foreign key' })]), { probe: 'audit_events.update', sqlstate: ['42501', '23514'] });
    expect(r.status).toBe('fail');
    expect(r.findings[0].reason).toMatch(/not by the guard/);
    expect(run(facts([probe({ sqlstate: '23514', message: 'violates check constraint' })]), { probe: 'audit_events.update', sqlstate: ['42501', '23514'] }).status).toBe('pass');
  });

  story('clean → a cross-account read sees a row → sees none', () => {
    const read = (table: string, rows: number) => probe({ name: `cross_account_read.${table}`, table: `public.${table}`, act: 'read', outcome: 'completed', sqlstate: null, message: null, rows });
    expect(run(facts([read('agents', 0), read('vms', 0)]), { probe: 'cross_account_read.*' }).status).toBe('pass');
    // Reads are judged by the rows seen, and names match with *.
    const r = run(facts([read('agents', 0), read('vms', 1)]), { probe: 'cross_account_read.*' });
    expect(r.findings.map((f) => f.status)).toEqual(['pass', 'fail']);
    expect(failing(r)[0].origin.resource).toBe('table:public.vms');
    expect(run(facts([read('agents', 0), read('vms', 0)]), { probe: 'cross_account_read.*' }).status).toBe('pass');
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
