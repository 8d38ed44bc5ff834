/**
 * Regions are configuration. The database mirrors this list (syncRegions) and
 * refuses any resource in a region that does not host its product; a resource's
 * region can never change once provisioned.
 */
import { z } from 'zod';

export const ProductSchema = z.enum(['agent', 'vm']);
export type Product = z.output<typeof ProductSchema>;

export const RegionSchema = z.object({
  /** Region id customers choose. @example "eu" */
  id: z.string().regex(/^[a-z][a-z0-9_]{0,30}$/),
  /** Provider location code where compute and data live. @example "hel1" */
  location: z.string().regex(/^[a-z0-9-]{2,20}$/),
  /** Products this region may host. @example ["agent", "vm"] */
  products: z.array(ProductSchema).min(1),
  /** Billing price cell used for resources in this region. @example "price_cell_eu_standard" */
  priceCell: z.string().min(1),
});
export type Region = z.output<typeof RegionSchema>;

export const REGIONS: readonly Region[] = z.array(RegionSchema).parse([
  { id: 'us', location: 'hil', products: ['agent'], priceCell: 'price_cell_us_standard' },
  { id: 'eu', location: 'hel1', products: ['agent', 'vm'], priceCell: 'price_cell_eu_standard' },
]);

export function findRegion(id: string): Region | undefined {
  return REGIONS.find((r) => r.id === id);
}
