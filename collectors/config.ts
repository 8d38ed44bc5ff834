/**
 * The config collector: the organisation's published commitments as the catalog states
 * them (vulnerability disclosure policy, subprocessors) and which platform
 * configuration files exist, so checks can judge the disclosure and vendor controls.
 */
import { readdirSync, statSync, existsSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { defineCollector } from './types.ts';
import { byKey } from './sort.ts';

export const ConfigFactsSchema = z.object({
  catalogFile: z.string(),
  organisation: z.object({
    name: z.string(),
    website: z.string(),
    contact: z.string(),
    disclosure: z.object({
      contact: z.string(),
      acknowledgementBusinessDays: z.number(),
      fixTargetDays: z.record(z.string(), z.number()),
      coordinatedDisclosureDays: z.number(),
      policyUrl: z.string(),
      preferredLanguages: z.array(z.string()),
    }),
    subprocessors: z.array(z.object({ name: z.string(), purpose: z.string(), location: z.string(), data: z.string().nullable() })),
  }),
  /** Files under platform/config with their sizes. */
  configFiles: z.array(z.object({ file: z.string(), bytes: z.number().int() })),
});
export type ConfigFacts = z.output<typeof ConfigFactsSchema>;

export default defineCollector({
  id: 'config',
  version: '1.0.0',
  description: 'Vulnerability disclosure policy and subprocessors from the catalog, and the platform configuration files present.',
  needsDatabase: false,
  needsCatalog: true,
  facts: ConfigFactsSchema,
  async collect(ctx) {
    const o = ctx.catalog.organisation;
    const dir = path.join(ctx.root, 'platform', 'config');
    const configFiles = existsSync(dir)
      ? readdirSync(dir)
          .filter((f) => statSync(path.join(dir, f)).isFile())
          .map((f) => ({ file: `platform/config/${f}`, bytes: statSync(path.join(dir, f)).size }))
          .sort(byKey((f) => f.file))
      : [];
    return {
      catalogFile: 'controls/catalog.yaml',
      organisation: {
        name: o.name,
        website: o.website,
        contact: o.contact,
        disclosure: { ...o.disclosure, fixTargetDays: { ...o.disclosure.fixTargetDays } },
        subprocessors: o.subprocessors.map((s) => ({ name: s.name, purpose: s.purpose, location: s.location, data: s.data ?? null })).sort(byKey((s) => s.name)),
      },
      configFiles,
    };
  },
});
