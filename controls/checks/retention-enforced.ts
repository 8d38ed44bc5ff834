import { z } from 'zod';
import { defineCheck, type Finding } from './types.ts';
import type { PrivacyFacts } from '../../collectors/privacy.ts';
import { factsOf, fail, pass, qname } from './helpers.ts';

export default defineCheck({
  id: 'retention_enforced',
  kind: 'data',
  description: 'Each retention rule (optionally: a named table with its period) is configured, and no table holds rows older than its rule allows.',
  collectors: ['privacy'],
  params: z
    .object({
      /** Only this table's rule. @example "admin_access_log" */
      table: z.string().optional(),
      /** Required keep_days for that table. @example 90 */
      keepDays: z.number().int().positive().optional(),
      /** Allowed rows past the period (rows expire between two job runs). */
      tolerance: z.number().int().min(0).default(0),
    })
    .strict(),
  evaluate(facts, { table, keepDays, tolerance }) {
    const p = factsOf<PrivacyFacts>(facts, 'privacy');
    const file = p.retention.file;
    const rules = table ? p.retention.rules.filter((r) => r.table === qname(table)) : p.retention.rules;
    if (!rules.length) return [fail(`\`${file}\` has no retention rule${table ? ` for \`${qname(table)}\`` : ''}.`, { resource: `config:retention.rules${table ? `.${table}` : ''}`, file })];
    return rules.flatMap((r): Finding[] => {
      const out: Finding[] = [];
      const cfg = { resource: `config:retention.rules.${r.table.replace(/^public\./, '')}`, file };
      if (keepDays !== undefined && r.keepDays !== keepDays) out.push(fail(`\`${file}\` keeps \`${r.table}\` ${r.keepDays} days, not ${keepDays}.`, cfg, `keep_days=${r.keepDays}`));
      out.push(
        r.expiredRows > tolerance
          ? fail(
              `Table \`${r.table}\` holds ${r.expiredRows} row(s) older than its ${r.keepDays}-day retention (by \`${r.timestampColumn}\`).`,
              { resource: `table:${r.table}` },
              `expired=${r.expiredRows}`,
            )
          : pass(
              `Table \`${r.table}\` holds no row older than its ${r.keepDays}-day retention (${r.rows} row(s) checked by \`${r.timestampColumn}\`).`,
              { resource: `table:${r.table}` },
              `rows=${r.rows}`,
            ),
      );
      return out;
    });
  },
});
