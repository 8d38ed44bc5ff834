import { z } from 'zod';
import { defineCheck, type Finding } from './types.ts';
import type { PrivacyFacts } from '../../collectors/privacy.ts';
import { factsOf, fail, pass } from './helpers.ts';

/**
 * Account deletion holds in the rows: once a deletion request is completed, or older than
 * the purge window, the account holds no row in any table the purge must empty (every
 * table with an account_id column except those retention.yaml keeps). A job that says it
 * ran proves nothing if the rows are still there.
 */
export default defineCheck({
  id: 'purged_accounts_empty',
  kind: 'data',
  // Every table with an account_id column, for every completed or due deletion.
  scope: ['table', 'account'],
  description: 'No account whose deletion request is completed or past the purge window still holds rows in a table the purge must empty.',
  collectors: ['privacy'],
  params: z.object({}).strict(),
  evaluate(facts) {
    const p = factsOf<PrivacyFacts>(facts, 'privacy');
    const out: Finding[] = p.purgeLeftovers.map((l) =>
      fail(
        `Account ${l.account} still holds ${l.rows} row(s) in \`${l.table}\` ${l.requestAgeDays} days after its deletion request ${l.request}${l.completed ? ', which is recorded as completed' : ''}.`,
        { resource: `table:${l.table}` },
        `account=${l.account} request=${l.request} rows=${l.rows}`,
      ),
    );
    if (!out.length)
      out.push(
        pass(
          `${p.purgeRequestsChecked} completed or due deletion request(s): their accounts hold no row outside the tables \`${p.retention.file}\` keeps (${p.retention.keptAfterPurge.join(', ')}).`,
          { resource: 'table:public.deletion_requests' },
          `checked=${p.purgeRequestsChecked}`,
        ),
      );
    return out;
  },
});
