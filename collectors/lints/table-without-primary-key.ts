import { defineLint, isTable } from './types.ts';
import { qualified } from '../schema.ts';

export default defineLint({
  id: 'table_without_primary_key',
  description: 'A table without a primary key cannot be referenced reliably, replicated logically, or have a single row audited.',
  run(facts) {
    return facts.tables
      .filter((t) => isTable(t) && !t.isPartition && !t.constraints.some((c) => c.kind === 'primary_key'))
      .map((t) => ({ lint: this.id, resource: `table:${qualified(t)}`, reason: `Table \`${qualified(t)}\` has no primary key.` }));
  },
});
