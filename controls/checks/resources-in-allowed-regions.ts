import { z } from 'zod';
import { defineCheck, type Finding } from './types.ts';
import type { RegionsFacts } from '../../collectors/regions.ts';
import { factsOf, fail, pass } from './helpers.ts';

export default defineCheck({
  id: 'resources_in_allowed_regions',
  kind: 'data',
  scope: ['resource', 'agent', 'vm'],
  description: 'Every resource sits in a configured region that may host its product, and every table with a region column has an enabled trigger that keeps the region fixed.',
  collectors: ['regions'],
  params: z.object({ /** Function the guard triggers call. @example "public.reject_region_change" */ guardFunction: z.string().default('public.reject_region_change') }).strict(),
  evaluate(facts, { guardFunction }) {
    const r = factsOf<RegionsFacts>(facts, 'regions');
    const out: Finding[] = [];
    const bad = r.resources.filter((x) => {
      const region = r.config.regions.find((c) => c.id === x.region);
      return !region || (x.product !== null && !region.products.includes(x.product));
    });
    for (const b of bad)
      out.push(
        fail(
          `${b.count} row(s) of \`${b.table}\` sit in region \`${b.region}\`${b.product ? ` with product ${b.product}` : ''}, which the configuration does not allow.`,
          { resource: `table:${b.table}`, file: r.config.file },
          `region=${b.region}`,
        ),
      );
    if (!bad.length) {
      const total = r.resources.reduce((s, x) => s + x.count, 0);
      out.push(
        pass(`All ${total} resource row(s) across ${new Set(r.resources.map((x) => x.table)).size} table(s) sit in configured regions that host their product.`, {
          resource: 'config:regions',
          file: r.config.file,
        }),
      );
    }
    for (const g of r.guards) {
      const t = g.triggers.find((x) => x.function === guardFunction && (x.enabled === 'O' || x.enabled === 'A'));
      out.push(
        t
          ? pass(`Region of \`${g.table}\` is fixed by trigger \`${t.name}\` (enabled ${t.enabled}).`, { resource: `trigger:${g.table}.${t.name}` })
          : fail(
              `Table \`${g.table}\` has a region column but no enabled trigger calling \`${guardFunction}\`.`,
              { resource: `table:${g.table}` },
              g.triggers.map((x) => `${x.name}=${x.enabled}`).join(', ') || 'no trigger',
            ),
      );
    }
    return out;
  },
});
