import { z } from 'zod';
import { defineCheck } from './types.ts';
import type { PrivacyFacts } from '../../collectors/privacy.ts';
import { factsOf, fail, pass } from './helpers.ts';

export default defineCheck({
  id: 'retention_job_recent',
  kind: 'data',
  description: 'The named job (or every job with the prefix) last succeeded within the given number of hours and its last run did not fail.',
  collectors: ['privacy'],
  params: z
    .object({
      /** Exact job name, or a prefix ending in `.` to mean every job under it. @example "retention." */
      job: z.string(),
      /** @example 48 */
      maxAgeHours: z.number().positive(),
    })
    .strict(),
  evaluate(facts, { job, maxAgeHours }) {
    const p = factsOf<PrivacyFacts>(facts, 'privacy');
    const jobs = p.jobs.filter((j) => (job.endsWith('.') ? j.job.startsWith(job) : j.job === job));
    if (!jobs.length) return [fail(`Job \`${job}\` has never run (no row in \`public.job_runs\`).`, { resource: `job:${job}` })];
    return jobs.map((j) => {
      const resource = { resource: `job:${j.job}` };
      if (j.hoursSinceLastSuccess === null) return fail(`Job \`${j.job}\` has never succeeded (${j.runs} run(s), last ${j.lastStatus}).`, resource, `last=${j.lastStatus}`);
      if (j.lastStatus === 'failed') return fail(`The last run of job \`${j.job}\` failed.`, resource, 'last=failed');
      if (j.hoursSinceLastSuccess > maxAgeHours)
        return fail(`Job \`${j.job}\` last succeeded ${j.hoursSinceLastSuccess} hours ago, more than ${maxAgeHours}.`, resource, `hours=${j.hoursSinceLastSuccess}`);
      return pass(`Job \`${j.job}\` last succeeded ${j.hoursSinceLastSuccess} hour(s) ago (${j.runs} run(s), limit ${maxAgeHours}).`, resource, `hours=${j.hoursSinceLastSuccess}`);
    });
  },
});
