import { z } from 'zod';
import { defineCheck, type Finding } from './types.ts';
import type { PrivacyFacts } from '../../collectors/privacy.ts';
import { factsOf, fail, pass } from './helpers.ts';

export default defineCheck({
  id: 'deletion_requests_on_time',
  kind: 'data',
  description: 'Account deletion requests are due within the configured days, none is open past its due date and none was completed late.',
  collectors: ['privacy'],
  params: z.object({ /** @example 30 */ maxDays: z.number().int().positive() }).strict(),
  evaluate(facts, { maxDays }) {
    const p = factsOf<PrivacyFacts>(facts, 'privacy');
    const d = p.deletionRequests;
    const file = p.retention.file;
    const out: Finding[] = [];
    out.push(
      p.retention.purgeWithinDays <= maxDays
        ? pass(`\`${file}\` sets account purge within ${p.retention.purgeWithinDays} days (limit ${maxDays}).`, { resource: 'config:retention.account_deletion.purge_within_days', file })
        : fail(`\`${file}\` sets account purge within ${p.retention.purgeWithinDays} days, more than ${maxDays}.`, { resource: 'config:retention.account_deletion.purge_within_days', file }),
    );
    const resource = { resource: 'table:public.deletion_requests' };
    if (d.overdue) out.push(fail(`${d.overdue} deletion request(s) in \`public.deletion_requests\` are open past their due date.`, resource, `overdue=${d.overdue}`));
    if (d.completedLate) out.push(fail(`${d.completedLate} deletion request(s) in \`public.deletion_requests\` were completed after their due date.`, resource, `late=${d.completedLate}`));
    if (d.dueDateMismatch) out.push(fail(`${d.dueDateMismatch} deletion request(s) have a due date other than ${p.retention.purgeWithinDays} days after the request.`, resource));
    if (!d.overdue && !d.completedLate && !d.dueDateMismatch) {
      out.push(
        pass(
          `Of ${d.total} deletion request(s), ${d.total - d.open} completed on time (slowest ${d.maxDaysToComplete ?? '-'} days) and ${d.open} open within their due date.`,
          resource,
          `total=${d.total} open=${d.open}`,
        ),
      );
    }
    return out;
  },
});
