/** audit_head_witnessed: the witnessed head still hashes as witnessed, the log is trusted, the unwitnessed window is bounded. */
import { describe, expect, it } from 'vitest';
import check from '../../controls/checks/audit-head-witnessed.ts';
import { checkOf, failing } from './story.ts';
import type { FactSet } from '../../collectors/types.ts';
import type { WitnessFacts } from '../../collectors/witness.ts';

const { run, story } = checkOf(check);

const facts = (over: Partial<WitnessFacts> = {}): FactSet => ({
  witness: {
    database: 'postgres:1/trust',
    logError: null,
    witnessed: { index: 4, seq: 100, hash: 'a'.repeat(64), at: '2026-01-01T00:00:00.000Z' },
    hashAtWitnessedSeq: 'a'.repeat(64),
    headSeq: 120,
    headHash: 'b'.repeat(64),
    unwitnessedEvents: 20,
    unwitnessedSeconds: 30,
    configuredBound: null,
    ...over,
  },
});

describe('audit_head_witnessed (transparency log)', () => {
  it('passes when the witnessed event keeps its hash and the window is within bounds', () => {
    expect(run(facts()).status).toBe('pass');
    expect(run(facts({ witnessed: null, hashAtWitnessedSeq: null })).status).toBe('pass');
  });

  story('clean → the witnessed event rewritten → its witnessed hash back', () => {
    expect(run(facts()).status).toBe('pass');
    expect(failing(run(facts({ hashAtWitnessedSeq: 'c'.repeat(64) })))[0].reason).toMatch(/Event 100 now hashes .* rewritten/);
    expect(run(facts({ hashAtWitnessedSeq: 'a'.repeat(64) })).status).toBe('pass');
  });

  story('clean → the window wider than the bound → witnessed again, within it', () => {
    expect(run(facts(), { maxEvents: 30 }).status).toBe('pass');
    expect(failing(run(facts(), { maxEvents: 10 }))[0].reason).toMatch(/unwitnessed window is too wide/);
    expect(failing(run(facts({ configuredBound: { maxSeconds: 5 } })))[0].reason).toMatch(/oldest 30 s/);
    expect(run(facts({ unwitnessedEvents: 5, unwitnessedSeconds: 3, configuredBound: { maxSeconds: 5 } }), { maxEvents: 10 }).status).toBe('pass');
  });

  it('fails on a missing witnessed event or an untrusted log', () => {
    expect(failing(run(facts({ hashAtWitnessedSeq: null })))[0].reason).toMatch(/no longer exists/);
    expect(failing(run(facts({ logError: 'checkpoint: invalid signature' })))[0].reason).toMatch(/cannot be trusted/);
  });
});
