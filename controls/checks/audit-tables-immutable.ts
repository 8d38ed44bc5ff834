/**
 * Generic (trust inspect): every audit-like table (audit, log, event, history, journal,
 * ledger) has an enabled trigger that refuses UPDATE, so nobody, not even its owner,
 * rewrites history in place.
 */
import { z } from 'zod';
import { defineCheck, type Finding } from './types.ts';
import { fail, pass, schemaOf } from './helpers.ts';
import { blockingTrigger, isTable, qualified } from './schema-helpers.ts';

// Names of tables that hold a record of what happened.
const AUDIT_LIKE = '(audit|(^|_)logs?($|_)|_log$|history|(^|_)events?($|_)|journal|ledger)';

export default defineCheck({
  id: 'audit_tables_immutable',
  description:
    'Every audit-like table (audit, log, event, history, journal, ledger) has an enabled trigger that refuses UPDATE; otherwise whoever holds UPDATE, and always the owner, can rewrite history.',
  kind: 'structure',
  collectors: ['schema'],
  params: z.object({ pattern: z.string().default(AUDIT_LIKE).describe('Case-insensitive regular expression for audit-like table names') }).strict(),
  evaluate(facts, params) {
    const schema = schemaOf(facts);
    const re = new RegExp(params.pattern, 'i');
    const audit = schema.tables.filter((t) => isTable(t) && !t.isPartition && re.test(t.name));
    const findings: Finding[] = audit
      .filter((t) => !blockingTrigger(schema, t, 'update'))
      .map((t) => {
        const writers = [...new Set(t.grants.filter((g) => g.privilege === 'UPDATE').map((g) => g.grantee))].sort();
        const who = writers.length ? `role(s) ${writers.map((w) => `\`${w}\``).join(', ')}` : `its owner \`${t.owner}\``;
        return fail(`Audit-like table \`${qualified(t)}\` has no trigger that refuses UPDATE, so ${who} can rewrite its rows.`, { resource: `table:${qualified(t)}` });
      });
    return findings.length ? findings : [pass(`Every audit-like table of \`${schema.database}\` (${audit.length}) has a trigger that refuses UPDATE.`, { resource: `database:${schema.database}` })];
  },
});
