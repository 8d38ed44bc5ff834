import { z } from 'zod';
import { defineCheck, type Finding } from './types.ts';
import type { PrivacyFacts } from '../../collectors/privacy.ts';
import { factsOf, fail, pass } from './helpers.ts';

export default defineCheck({
  id: 'admin_access_log_retention',
  kind: 'data',
  description: 'Operator access log entries are kept the configured number of days and no longer than that plus the job interval.',
  collectors: ['privacy'],
  params: z.object({ /** @example 90 */ days: z.number().int().positive(), /** Slack for the job interval. */ slackDays: z.number().min(0).default(2) }).strict(),
  evaluate(facts, { days, slackDays }) {
    const p = factsOf<PrivacyFacts>(facts, 'privacy');
    const file = p.retention.file;
    const rule = p.retention.rules.find((r) => r.table === 'public.admin_access_log');
    const out: Finding[] = [];
    const cfg = { resource: 'config:retention.rules.admin_access_log', file };
    if (!rule) return [fail(`\`${file}\` has no retention rule for \`public.admin_access_log\`.`, cfg)];
    out.push(
      rule.keepDays === days
        ? pass(`\`${file}\` keeps \`public.admin_access_log\` ${rule.keepDays} days.`, cfg)
        : fail(`\`${file}\` keeps \`public.admin_access_log\` ${rule.keepDays} days, not ${days}.`, cfg, `keep_days=${rule.keepDays}`),
    );
    const age = p.adminAccessLog.oldestAgeDays;
    out.push(
      age !== null && age > days + slackDays
        ? fail(`The oldest entry of \`public.admin_access_log\` is ${age} days old, past ${days} days.`, { resource: 'table:public.admin_access_log' }, `oldest=${age}d`)
        : pass(
            `\`public.admin_access_log\` holds ${p.adminAccessLog.rows} entr(ies), the oldest ${age ?? '-'} days old (limit ${days} + ${slackDays}).`,
            { resource: 'table:public.admin_access_log' },
            `oldest=${age ?? 'none'}`,
          ),
    );
    return out;
  },
});
