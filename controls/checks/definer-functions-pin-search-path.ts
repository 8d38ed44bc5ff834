/**
 * Generic (trust inspect): a SECURITY DEFINER function fixes its search_path. It runs with
 * its owner's rights but would resolve names through the caller's search_path, so a
 * caller could plant objects it then uses.
 */
import { z } from 'zod';
import { defineCheck } from './types.ts';
import { fail, pass, schemaOf } from './helpers.ts';

export default defineCheck({
  id: 'definer_functions_pin_search_path',
  description: "Every SECURITY DEFINER function sets search_path: it runs with its owner's rights but resolves names through the caller's search_path, so a caller can plant objects it will use.",
  kind: 'structure',
  collectors: ['schema'],
  params: z.object({}).strict(),
  evaluate(facts) {
    const schema = schemaOf(facts);
    const bad = schema.functions.filter((f) => f.securityDefiner && !f.config.some((c) => c.startsWith('search_path=')));
    if (!bad.length) return [pass(`Every SECURITY DEFINER function of \`${schema.database}\` sets search_path.`, { resource: `database:${schema.database}` })];
    return bad.map((f) =>
      fail(`SECURITY DEFINER function \`${f.schema}.${f.name}(${f.arguments})\` owned by \`${f.owner}\` does not set search_path.`, { resource: `function:${f.schema}.${f.name}(${f.arguments})` }),
    );
  },
});
