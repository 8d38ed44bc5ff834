import { z } from 'zod';
import { defineCheck } from './types.ts';
import { findFunction, qualified } from './schema-helpers.ts';
import { fail, pass, schemaOf, tableOrFail } from './helpers.ts';
import { firesAlways, originOnlyReason } from './effective.ts';

/** The function compares NEW.col with OLD.col and raises. */
function guards(source: string | null, column: string): boolean {
  if (!source || !/\braise\s+exception\b/i.test(source)) return false;
  const c = column.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`\\bNEW\\.${c}\\b`, 'i').test(source) && new RegExp(`\\bOLD\\.${c}\\b`, 'i').test(source);
}

export default defineCheck({
  id: 'column_guarded_immutable',
  kind: 'structure',
  description: 'A BEFORE UPDATE row trigger enabled ALWAYS (so it fires in replica sessions too) refuses any change of the column, whoever issues the UPDATE.',
  collectors: ['schema'],
  params: z
    .object({
      /** @example "agents" */
      table: z.string(),
      /** @example "region" */
      column: z.string(),
    })
    .strict(),
  evaluate(facts, { table, column }) {
    const schema = schemaOf(facts);
    const found = tableOrFail(schema, table);
    if ('missing' in found) return [found.missing];
    const t = found.table;
    if (!t.columns.some((c) => c.name === column)) return [fail(`Column \`${qualified(t)}.${column}\` does not exist.`, { resource: `column:${qualified(t)}.${column}` })];
    const guard = (x: (typeof t.triggers)[number]) =>
      x.timing === 'before' &&
      x.level === 'row' &&
      x.events.includes('update') &&
      !x.conditional &&
      (x.updateColumns.length === 0 || x.updateColumns.includes(column)) &&
      findFunction(schema, x.function).some((f) => guards(f.source, column));
    const trig = t.triggers.find((x) => firesAlways(x) && guard(x));
    if (trig) {
      return [
        pass(
          `Column \`${qualified(t)}.${column}\` cannot change: trigger \`${trig.name}\` (enabled ${trig.enabled}) calls \`${trig.function}\`, which raises when NEW.${column} differs from OLD.${column}.`,
          { resource: `trigger:${qualified(t)}.${trig.name}` },
          `enabled=${trig.enabled}`,
        ),
      ];
    }
    // Enabled in origin mode only: a session with session_replication_role = replica skips it.
    const originOnly = t.triggers.find((x) => x.enabled === 'O' && guard(x));
    if (originOnly) return [fail(originOnlyReason(t, originOnly), { resource: `trigger:${qualified(t)}.${originOnly.name}` }, `enabled=${originOnly.enabled}`)];
    const disabled = t.triggers.find((x) => (x.enabled === 'D' || x.enabled === 'R') && findFunction(schema, x.function).some((f) => guards(f.source, column)));
    return [
      fail(
        disabled
          ? `Trigger \`${disabled.name}\` on \`${qualified(t)}\` guards \`${column}\` but is ${disabled.enabled === 'R' ? 'enabled in replica sessions only' : 'disabled'}, so \`${column}\` can be changed.`
          : `No enabled BEFORE UPDATE trigger on \`${qualified(t)}\` refuses a change of \`${column}\`.`,
        { resource: disabled ? `trigger:${qualified(t)}.${disabled.name}` : `column:${qualified(t)}.${column}` },
        disabled ? `enabled=${disabled.enabled}` : undefined,
      ),
    ];
  },
});
