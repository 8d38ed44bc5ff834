/** admin_access_log_retention: the operator access log keeps no entry older than its retention period. */
import { describe, expect } from 'vitest';
import check from '../../controls/checks/admin-access-log-retention.ts';
import { checkOf, failing } from './story.ts';
import * as F from './fact-fixtures.ts';

const { run, story } = checkOf(check);

describe('admin_access_log_retention', () => {
  story('clean → an entry 120 days old → purged', () => {
    expect(run({ privacy: F.privacy() }, { days: 90 }).status).toBe('pass');
    const p = F.privacy();
    p.adminAccessLog.oldestAgeDays = 120;
    expect(failing(run({ privacy: p }, { days: 90 }))[0]).toMatchObject({ origin: { resource: 'table:public.admin_access_log' }, observed: 'oldest=120d' });
    p.adminAccessLog.oldestAgeDays = 30;
    expect(run({ privacy: p }, { days: 90 }).status).toBe('pass');
  });
});
