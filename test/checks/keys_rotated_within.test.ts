/** keys_rotated_within: the active key is younger than the period, and no value stays under a retired key past the grace period. */
import { describe, expect } from 'vitest';
import check from '../../controls/checks/keys-rotated-within.ts';
import { checkOf, failing } from './story.ts';
import * as F from './fact-fixtures.ts';

const { run, story } = checkOf(check);

describe('keys_rotated_within', () => {
  story('clean → the active key older than the period → rotated', () => {
    const e = F.encryption();
    expect(run({ encryption: e }, { days: 90 }).status).toBe('pass');
    expect(failing(run({ encryption: e }, { days: 5 }))[0]).toMatchObject({ reason: 'Active key version 2 is 10 days old, older than 5 days.', origin: { resource: 'config:keyring.version.2' } });
    e.keyring = { ...e.keyring!, activeVersion: 3, versions: [...e.keyring!.versions.map((v) => ({ ...v, active: false })), { version: 3, ageDays: 0, active: true }] };
    expect(run({ encryption: e }, { days: 5 }).status).toBe('pass');
  });

  story('clean → values under a retired key past the grace period → re-encrypted', () => {
    const e = F.encryption();
    expect(run({ encryption: e }, { days: 90 }).status).toBe('pass');
    expect(failing(run({ encryption: e }, { days: 90, retiredGraceDays: 30 }))[0].origin.resource).toBe('column:public.agent_secrets.ciphertext');
    e.columns[1].versions = [{ format: 'tev2', keyVersion: 2, count: 3 }];
    expect(run({ encryption: e }, { days: 90, retiredGraceDays: 30 }).status).toBe('pass');
  });
});
