/**
 * The versioned controls mapping: for every control, its criteria per framework and
 * its claimed and observed status, stamped with the catalog version and the bundle
 * hash that produced it. Written each run as out/mapping.json; released copies are
 * committed under controls/releases/<catalogVersion>.json.
 */
import { z } from 'zod';
import { StatusSchema } from '../../controls/types.ts';
import { VerdictSchema, type Bundle } from '../types.ts';
import { contentHash } from '../../platform/kernel/canonical.ts';

export const MAPPING_FORMAT = 'trust-controls-mapping/1' as const;

export const MappingFileSchema = z.object({
  format: z.literal(MAPPING_FORMAT),
  catalogVersion: z.string(),
  catalogSha256: z.string(),
  /** SHA-256 of the bundle.json this mapping was derived from. */
  bundleSha256: z.string(),
  /** Version of each framework mapping file that was used. */
  mappings: z.array(z.object({ framework: z.string(), version: z.string() })),
  controls: z.array(
    z.object({
      id: z.string(),
      title: z.string(),
      claimed: StatusSchema,
      observed: StatusSchema,
      verdict: VerdictSchema,
      /**
       * SHA-256 of the control's definition without its status (canonical JSON): a changed
       * statement, description or check shows in the diff even when its status and criteria
       * stay. Absent in mappings recorded before it existed.
       */
      contentSha256: z.string().optional(),
      /** framework id -> sorted criterion ids this control is mapped to. */
      criteria: z.record(z.string(), z.array(z.string())),
    }),
  ),
});
export type MappingFile = z.output<typeof MappingFileSchema>;

/** Per control, the criteria of each framework that map it, in the order the mappings list them (repeats kept). */
export function criteriaByControl(bundle: Bundle): Map<string, Record<string, string[]>> {
  const criteriaOf = new Map<string, Record<string, string[]>>();
  for (const m of bundle.catalog.mappings) {
    for (const [criterion, refs] of Object.entries(m.criteria)) {
      for (const ref of refs) {
        const per = criteriaOf.get(ref.control) ?? {};
        (per[m.framework] ??= []).push(criterion);
        criteriaOf.set(ref.control, per);
      }
    }
  }
  return criteriaOf;
}

export function buildMapping(bundle: Bundle, bundleSha256: string): MappingFile {
  const criteriaOf = criteriaByControl(bundle);
  const evaluation = new Map(bundle.evaluations.map((e) => [e.control, e]));
  const controls = [...bundle.catalog.controls]
    .sort((a, b) => (a.id < b.id ? -1 : 1))
    .map((c) => {
      const per = criteriaOf.get(c.id) ?? {};
      const criteria: Record<string, string[]> = {};
      for (const fw of Object.keys(per).sort()) criteria[fw] = [...new Set(per[fw])].sort(compareCriteria);
      const e = evaluation.get(c.id);
      return { id: c.id, title: c.title, claimed: c.status, observed: e?.observed ?? 'roadmap', verdict: e?.verdict ?? 'holds', contentSha256: definitionHash(c), criteria };
    });
  return {
    format: MAPPING_FORMAT,
    catalogVersion: bundle.catalog.version,
    catalogSha256: bundle.catalog.sha256,
    bundleSha256,
    mappings: bundle.catalog.mappings.map((m) => ({ framework: m.framework, version: m.version })).sort((a, b) => (a.framework < b.framework ? -1 : 1)),
    controls,
  };
}

/** SHA-256 of a control's definition without its claimed status (a status change is reported as such). */
export function definitionHash(control: Bundle['catalog']['controls'][number]): string {
  const { status: _status, ...definition } = control;
  return contentHash(definition);
}

/** Natural order for criterion ids: CC6.2 before CC6.10, A.5.9 before A.5.10. */
export function compareCriteria(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
}
