import { defineLint, isTable } from './types.ts';
import { blockingTrigger, qualified } from '../schema.ts';

// Names of tables that hold a record of what happened.
const AUDIT_LIKE = /(audit|(^|_)logs?($|_)|_log$|history|(^|_)events?($|_)|journal|ledger)/i;

export default defineLint({
  id: 'mutable_audit_table',
  description: 'An audit-like table (audit, log, event, history, journal) with no trigger that refuses UPDATE: whoever holds UPDATE, and always the owner, can rewrite history.',
  run(facts) {
    return facts.tables
      .filter((t) => isTable(t) && !t.isPartition && AUDIT_LIKE.test(t.name))
      .filter((t) => !blockingTrigger(facts, t, 'update'))
      .map((t) => {
        const writers = [...new Set(t.grants.filter((g) => g.privilege === 'UPDATE').map((g) => g.grantee))].sort();
        const who = writers.length ? `role(s) ${writers.map((w) => `\`${w}\``).join(', ')}` : `its owner \`${t.owner}\``;
        return {
          lint: this.id,
          resource: `table:${qualified(t)}`,
          reason: `Audit-like table \`${qualified(t)}\` has no trigger that refuses UPDATE, so ${who} can rewrite its rows.`,
        };
      });
  },
});
