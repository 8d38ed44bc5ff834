/**
 * Shared by the tool-decision data checks, which all judge the tools collector's facts and
 * take no parameters. Not a check itself (not in the registry).
 */
import { z } from 'zod';
import { defineCheck, type Finding, type ScopeNoun } from './types.ts';
import type { ToolsFacts } from '../../collectors/tools.ts';
import { factsOf } from './helpers.ts';

export function defineToolsCheck(def: { id: string; description: string; scope: ScopeNoun[]; evaluate(t: ToolsFacts): Finding[] }) {
  return defineCheck({
    id: def.id,
    kind: 'data',
    scope: def.scope,
    description: def.description,
    collectors: ['tools'],
    params: z.object({}).strict(),
    evaluate: (facts) => def.evaluate(factsOf<ToolsFacts>(facts, 'tools')),
  });
}
