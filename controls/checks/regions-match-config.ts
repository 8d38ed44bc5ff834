import { z } from 'zod';
import { defineCheck, type Finding } from './types.ts';
import type { RegionsFacts } from '../../collectors/regions.ts';
import { factsOf, fail, pass } from './helpers.ts';

export default defineCheck({
  id: 'regions_match_config',
  kind: 'data',
  description: 'The regions table holds exactly the configured regions, each with the configured location, price cell and products.',
  collectors: ['regions'],
  params: z.object({}).strict(),
  evaluate(facts) {
    const r = factsOf<RegionsFacts>(facts, 'regions');
    const file = r.config.file;
    const out: Finding[] = [];
    for (const c of r.config.regions) {
      const d = r.database.find((x) => x.id === c.id);
      const resource = { resource: `config:regions.${c.id}`, file };
      if (!d) {
        out.push(fail(`Configured region \`${c.id}\` is missing from table \`public.regions\`.`, resource));
        continue;
      }
      const diffs = [
        d.location !== c.location && `location ${d.location} (config ${c.location})`,
        d.priceCell !== c.priceCell && `price cell ${d.priceCell} (config ${c.priceCell})`,
        d.products.join(',') !== c.products.join(',') && `products ${d.products.join(', ') || 'none'} (config ${c.products.join(', ')})`,
      ].filter(Boolean);
      out.push(
        diffs.length
          ? fail(`Region \`${c.id}\` in table \`public.regions\` differs from its configuration: ${diffs.join('; ')}.`, resource)
          : pass(`Region \`${c.id}\` matches its configuration: location ${c.location}, products ${c.products.join(', ')}.`, resource),
      );
    }
    for (const d of r.database.filter((x) => !r.config.regions.some((c) => c.id === x.id))) {
      out.push(fail(`Table \`public.regions\` holds region \`${d.id}\`, which is not configured.`, { resource: `row:public.regions.id=${d.id}` }));
    }
    return out;
  },
});
