import { z } from 'zod';
import { defineCheck, type Finding } from './types.ts';
import type { ConfigFacts } from '../../collectors/config.ts';
import { factsOf, fail, pass } from './helpers.ts';

export default defineCheck({
  id: 'subprocessors_listed',
  kind: 'structure',
  catalogOnly: true,
  description: 'The subprocessor list is not empty and names, for each, its purpose and location.',
  collectors: ['config'],
  params: z.object({ minCount: z.number().int().min(1).default(1) }).strict(),
  evaluate(facts, { minCount }) {
    const c = factsOf<ConfigFacts>(facts, 'config');
    const list = c.organisation.subprocessors;
    const file = c.catalogFile;
    if (list.length < minCount) return [fail(`\`${file}\` lists ${list.length} subprocessor(s), fewer than ${minCount}.`, { resource: 'config:organisation.subprocessors', file })];
    return list.map((s): Finding => {
      const origin = { resource: `config:organisation.subprocessors.${s.name}`, file };
      return s.purpose.trim().length >= 3 && s.location.trim().length >= 2
        ? pass(`Subprocessor ${s.name} is listed with purpose "${s.purpose}" and location ${s.location}.`, origin)
        : fail(`Subprocessor ${s.name} lacks a purpose or location.`, origin);
    });
  },
});
