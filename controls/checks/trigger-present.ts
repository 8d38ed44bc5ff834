import { z } from 'zod';
import { defineCheck } from './types.ts';
import { findFunction, qualified } from './schema-helpers.ts';
import { fail, pass, schemaOf, tableOrFail } from './helpers.ts';
import { firesAlways, originOnlyReason } from './effective.ts';

export default defineCheck({
  id: 'trigger_present',
  kind: 'structure',
  description: 'An enabled trigger with this timing and these events exists on the table and calls the expected function (whose body, optionally, contains a text).',
  collectors: ['schema'],
  params: z
    .object({
      table: z.string(),
      /** Trigger name, when it matters. */
      trigger: z.string().optional(),
      /** `schema.function` it must call. @example "public.audit_chain_event" */
      function: z.string().optional(),
      timing: z.enum(['before', 'after', 'instead_of']),
      events: z.array(z.enum(['insert', 'update', 'delete', 'truncate'])).min(1),
      /** Text the function body must contain. @example "sha256(" */
      sourceContains: z.string().optional(),
      /** A guard: it must be ENABLE ALWAYS, so a replica session cannot skip it. Computing triggers keep the default. */
      always: z.boolean().default(false),
    })
    .strict(),
  evaluate(facts, p) {
    const schema = schemaOf(facts);
    const found = tableOrFail(schema, p.table);
    if ('missing' in found) return [found.missing];
    const t = found.table;
    const matches = t.triggers.filter(
      (x) => (!p.trigger || x.name === p.trigger) && (!p.function || x.function === p.function) && x.timing === p.timing && p.events.every((e) => x.events.includes(e)),
    );
    const enabled = (x: (typeof matches)[number]) => (p.always ? firesAlways(x) : x.enabled === 'O' || x.enabled === 'A');
    const good = matches.find((x) => enabled(x) && (!p.sourceContains || findFunction(schema, x.function).some((f) => f.source?.includes(p.sourceContains!))));
    if (good)
      return [
        pass(
          `Trigger \`${good.name}\` on \`${qualified(t)}\` (${good.timing} ${good.events.join('/')} ${good.level}, enabled ${good.enabled}) calls \`${good.function}\`.`,
          { resource: `trigger:${qualified(t)}.${good.name}` },
          `enabled=${good.enabled}`,
        ),
      ];
    const originOnly = p.always ? matches.find((x) => x.enabled === 'O') : undefined;
    if (originOnly) return [fail(originOnlyReason(t, originOnly), { resource: `trigger:${qualified(t)}.${originOnly.name}` }, `enabled=${originOnly.enabled}`)];
    if (matches.length)
      return [
        fail(
          `Trigger \`${matches[0].name}\` on \`${qualified(t)}\` is disabled or its function does not do what is expected.`,
          { resource: `trigger:${qualified(t)}.${matches[0].name}` },
          `enabled=${matches[0].enabled}`,
        ),
      ];
    return [
      fail(`No ${p.timing} ${p.events.join('/')} trigger${p.trigger ? ` \`${p.trigger}\`` : ''} on \`${qualified(t)}\`${p.function ? ` calling \`${p.function}\`` : ''}.`, {
        resource: `table:${qualified(t)}`,
      }),
    ];
  },
});
