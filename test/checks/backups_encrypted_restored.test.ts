/**
 * backups_encrypted_restored: the latest backup is recent, encrypted and unchanged, no plain
 * dump lies beside it, and the latest restore test matched and refused a tampered copy.
 * (On a real database and backup directory: test/collectors/break-behind-tls-backup.test.ts.)
 */
import { describe, expect } from 'vitest';
import check from '../../controls/checks/backups-encrypted-restored.ts';
import { checkOf, failing } from './story.ts';
import * as F from './fact-fixtures.ts';

const { run, story } = checkOf(check);

describe('backups_encrypted_restored', () => {
  story('clean (data and enforcement) → a plain-text dump in the backup directory → removed', () => {
    const b = F.backups();
    const clean = run({ backups: b });
    expect(clean.status).toBe('pass');
    expect([...new Set(clean.findings.map((f) => f.kind))].sort()).toEqual(['data', 'enforcement']);
    b.files.push({ name: 'manual-dump.sql', bytes: 120, kind: 'plain-dump', header: null });
    expect(failing(run({ backups: b }))).toEqual([
      expect.objectContaining({
        reason: '/var/backups/trust/manual-dump.sql is an unencrypted database dump in the backup directory.',
        origin: { resource: 'file:/var/backups/trust/manual-dump.sql' },
      }),
    ]);
    b.files.pop();
    expect(run({ backups: b }).status).toBe('pass');
  });

  story('clean → the backup file changed after it was written → a new backup taken', () => {
    const b = F.backups();
    expect(run({ backups: b }).status).toBe('pass');
    b.latestFileSha256 = '0'.repeat(64);
    expect(failing(run({ backups: b }))[0]).toMatchObject({
      reason: expect.stringMatching(/changed after backup run 20 wrote it/),
      origin: { resource: 'file:/var/backups/trust/trust-2026-01-01.tbk' },
    });
    b.latestFileSha256 = 'f'.repeat(64);
    expect(run({ backups: b }).status).toBe('pass');
  });

  story('clean → the latest restore test failed, then one overdue → a recent restore test that matched', () => {
    const b = F.backups();
    expect(run({ backups: b }).status).toBe('pass');
    const good = b.jobs.restoreLatest;
    b.jobs.restoreLatest = { id: 22, status: 'failed', ageHours: 1, details: { error: 'restored row counts differ from the backup: agents' } };
    expect(failing(run({ backups: b }))[0]).toMatchObject({ origin: { resource: 'row:public.job_runs.id=22' }, reason: expect.stringMatching(/latest restore test.*failed/) });
    b.jobs.restoreLatest = good;
    b.jobs.restoreLatestSucceeded = { ...good!, ageHours: 9 * 24 };
    expect(failing(run({ backups: b })).some((f) => /overdue/.test(f.reason))).toBe(true);
    b.jobs.restoreLatestSucceeded = good;
    expect(run({ backups: b }).status).toBe('pass');
  });

  story('clean → a restore test that did not show a tampered copy refused → one that did', () => {
    const b = F.backups();
    expect(run({ backups: b }).status).toBe('pass');
    const good = b.jobs.restoreLatestSucceeded!;
    b.jobs.restoreLatestSucceeded = { ...good, details: { ...good.details, tamper_refused: false } };
    expect(failing(run({ backups: b }))).toEqual([expect.objectContaining({ kind: 'enforcement', origin: { resource: 'row:public.job_runs.id=21' }, observed: 'tamper_refused=false' })]);
    b.jobs.restoreLatestSucceeded = good;
    expect(run({ backups: b }).status).toBe('pass');
  });

  story('clean → the latest backup two days old → a fresh one', () => {
    const b = F.backups();
    expect(run({ backups: b }).status).toBe('pass');
    b.jobs.backupLatestSucceeded = { ...b.jobs.backupLatestSucceeded!, ageHours: 50 };
    expect(failing(run({ backups: b })).some((f) => /latest successful backup.*hours old/.test(f.reason))).toBe(true);
    b.jobs.backupLatestSucceeded = F.backups().jobs.backupLatestSucceeded;
    expect(run({ backups: b }).status).toBe('pass');
  });
});
