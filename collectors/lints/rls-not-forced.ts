import { defineLint, isTable } from './types.ts';
import { qualified } from '../schema.ts';

export default defineLint({
  id: 'rls_not_forced',
  description: 'Row-level security is enabled but not forced: the table owner (often the role the application connects as) bypasses every policy.',
  run(facts) {
    return facts.tables
      .filter((t) => isTable(t) && t.rls.enabled && !t.rls.forced)
      .map((t) => ({
        lint: this.id,
        resource: `table:${qualified(t)}`,
        reason: `Table \`${qualified(t)}\` enables row-level security without FORCE, so its owner \`${t.owner}\` bypasses the policies.`,
      }));
  },
});
