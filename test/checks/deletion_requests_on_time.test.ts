/** deletion_requests_on_time: no deletion request is open past its due date, and the purge window is within the promise. */
import { describe, expect, it } from 'vitest';
import check from '../../controls/checks/deletion-requests-on-time.ts';
import { checkOf, failing } from './story.ts';
import * as F from './fact-fixtures.ts';

const { run, story } = checkOf(check);

describe('deletion_requests_on_time', () => {
  story('clean → two requests open past their due date → completed', () => {
    expect(run({ privacy: F.privacy() }, { maxDays: 30 }).status).toBe('pass');
    const p = F.privacy();
    p.deletionRequests.overdue = 2;
    expect(failing(run({ privacy: p }, { maxDays: 30 }))[0]).toMatchObject({
      reason: '2 deletion request(s) in `public.deletion_requests` are open past their due date.',
      origin: { resource: 'table:public.deletion_requests' },
    });
    p.deletionRequests.overdue = 0;
    expect(run({ privacy: p }, { maxDays: 30 }).status).toBe('pass');
  });

  it('a purge window longer than the promise fails', () => {
    expect(run({ privacy: F.privacy() }, { maxDays: 14 }).status).toBe('fail');
  });
});
