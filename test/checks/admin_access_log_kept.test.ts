/** admin_access_log_kept: no operator access log row witnessed by an audit event was deleted before its retention period. */
import { describe, expect } from 'vitest';
import check from '../../controls/checks/admin-access-log-kept.ts';
import { checkOf, failing } from './story.ts';
import * as F from './fact-fixtures.ts';

const { run, story } = checkOf(check);

describe('admin_access_log_kept', () => {
  story('clean → a 3-day-old row deleted → restored', () => {
    expect(run({ privacy: F.privacy() }, { days: 90 }).status).toBe('pass');
    const p = F.privacy();
    p.adminAccessWitness.youngestMissing.unshift({ seq: 50, logId: '5', ageDays: 3 });
    expect(failing(run({ privacy: p }, { days: 90 }))[0]).toMatchObject({ origin: { resource: 'row:public.admin_access_log.id=5' }, observed: 'witness seq 50' });
    p.adminAccessWitness.youngestMissing.shift();
    expect(run({ privacy: p }, { days: 90 }).status).toBe('pass');
  });
});
