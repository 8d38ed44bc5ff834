/** retention_job_recent: the named retention job succeeded within the last maxAgeHours. */
import { describe, expect, it } from 'vitest';
import check from '../../controls/checks/retention-job-recent.ts';
import { checkOf, failing } from './story.ts';
import * as F from './fact-fixtures.ts';

const { run, story } = checkOf(check);

describe('retention_job_recent', () => {
  story('clean → the sessions job last succeeded too long ago → it ran again', () => {
    const p = F.privacy();
    expect(run({ privacy: p }, { job: 'retention.', maxAgeHours: 24 }).status).toBe('pass');
    expect(failing(run({ privacy: p }, { job: 'retention.sessions', maxAgeHours: 2 }))[0].origin.resource).toBe('job:retention.sessions');
    p.jobs[0].hoursSinceLastSuccess = 1;
    expect(run({ privacy: p }, { job: 'retention.sessions', maxAgeHours: 2 }).status).toBe('pass');
  });

  it('a job that never ran is named', () => {
    expect(failing(run({ privacy: F.privacy() }, { job: 'retention.never', maxAgeHours: 2 }))[0].reason).toBe('Job `retention.never` has never run (no row in `public.job_runs`).');
  });
});
