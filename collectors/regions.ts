/**
 * The regions collector: the region configuration (platform/config/regions.ts) against
 * the `regions` and `region_products` tables, every resource's region and product, and
 * the triggers that keep a resource's region fixed.
 */
import { z } from 'zod';
import { defineCollector } from './types.ts';
import { byKey } from './sort.ts';
import { quoteIdent } from '../platform/db/quote-ident.ts';

const RegionRowSchema = z.object({ id: z.string(), location: z.string(), priceCell: z.string(), products: z.array(z.string()) });
export const RegionsFactsSchema = z.object({
  config: z.object({ file: z.string(), regions: z.array(RegionRowSchema) }),
  /** Rows of the regions table with their products from region_products. */
  database: z.array(RegionRowSchema),
  /** Resources per table, region and product (product null when the table has no product column). */
  resources: z.array(z.object({ table: z.string(), region: z.string(), product: z.string().nullable(), count: z.number().int() })),
  /** Every table with a `region` column and the enabled BEFORE UPDATE triggers that guard it. */
  guards: z.array(z.object({ table: z.string(), triggers: z.array(z.object({ name: z.string(), function: z.string(), enabled: z.string() })) })),
});
export type RegionsFacts = z.output<typeof RegionsFactsSchema>;

export default defineCollector({
  id: 'regions',
  version: '1.0.0',
  description: "Region configuration against the regions table, every resource's region and product, and the guards that keep regions fixed.",
  needsDatabase: true,
  facts: RegionsFactsSchema,
  async collect(ctx) {
    const { REGIONS } = await import('../platform/config/regions.ts');
    const database = await ctx.sql<{ id: string; location: string; price_cell: string; products: string[] }>(`
      SELECT r.id, r.location, r.price_cell,
             ARRAY(SELECT p.product FROM region_products p WHERE p.region = r.id ORDER BY p.product)::text[] AS products
        FROM regions r ORDER BY r.id COLLATE "C"`);
    // Tables with a region column, found in the catalog (one query, whatever their number).
    const tables = await ctx.sql<{ table: string; has_product: boolean; triggers: { name: string; function: string; enabled: string }[] }>(`
      SELECT c.relname AS table,
             EXISTS (SELECT 1 FROM pg_attribute p WHERE p.attrelid = c.oid AND p.attname = 'product' AND NOT p.attisdropped) AS has_product,
             (SELECT coalesce(json_agg(json_build_object('name', t.tgname, 'function', pn.nspname || '.' || f.proname, 'enabled', t.tgenabled::text) ORDER BY t.tgname), '[]')
                FROM pg_trigger t JOIN pg_proc f ON f.oid = t.tgfoid JOIN pg_namespace pn ON pn.oid = f.pronamespace
               WHERE t.tgrelid = c.oid AND NOT t.tgisinternal AND (t.tgtype & 2) <> 0 AND (t.tgtype & 16) <> 0) AS triggers
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'region' AND NOT a.attisdropped
       WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND c.relname NOT IN ('region_products')
       ORDER BY c.relname COLLATE "C"`);
    const resources = tables.length
      ? await ctx.sql<{ table: string; region: string; product: string | null; count: string }>(
          tables
            .map(
              (t) => `SELECT '${t.table}' AS table, region::text AS region, ${t.has_product ? 'product::text' : 'NULL::text'} AS product, count(*) AS count FROM ${quoteIdent(t.table)} GROUP BY 2, 3`,
            )
            .join(' UNION ALL ') + ' ORDER BY 1, 2, 3',
        )
      : [];
    return {
      config: {
        file: 'platform/config/regions.ts',
        regions: REGIONS.map((r) => ({ id: r.id, location: r.location, priceCell: r.priceCell, products: [...r.products].sort() })).sort(byKey((r) => r.id)),
      },
      database: database.map((r) => ({ id: r.id, location: r.location, priceCell: r.price_cell, products: r.products })),
      resources: resources.map((r) => ({ table: `public.${r.table}`, region: r.region, product: r.product, count: Number(r.count) })),
      guards: tables.map((t) => ({ table: `public.${t.table}`, triggers: t.triggers })),
    };
  },
});
