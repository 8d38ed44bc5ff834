/**
 * Comparing a run with a baseline mapping (an earlier out/mapping.json): a control
 * that was observed live then and is not now fails the gate, unless the catalog
 * deliberately stopped claiming it live; a catalog whose content changed under the
 * same version number fails too.
 */
import type { MappingFile } from './mapping.ts';

const RANK: Record<string, number> = { roadmap: 0, designed: 1, live: 2 };

export interface GateFailure {
  kind: 'regression' | 'unsupported' | 'lost_live' | 'catalog_not_bumped' | 'stale';
  control?: string;
  /** One line, the cause. */
  message: string;
  details: string[];
}

export function compareWithBaseline(baseline: MappingFile, current: MappingFile): GateFailure[] {
  const failures: GateFailure[] = [];
  if (baseline.catalogVersion === current.catalogVersion && baseline.catalogSha256 !== current.catalogSha256) {
    failures.push({
      kind: 'catalog_not_bumped',
      message: `catalog content changed since the baseline (${baseline.catalogSha256.slice(0, 12)} -> ${current.catalogSha256.slice(0, 12)}) but its version is still ${current.catalogVersion}`,
      details: ['Bump controls/catalog.yaml version: a new control is a minor version, a changed meaning or a removal a major one.'],
    });
  }
  const now = new Map(current.controls.map((c) => [c.id, c]));
  for (const was of baseline.controls) {
    if (was.observed !== 'live') continue;
    const c = now.get(was.id);
    if (!c) {
      if (baseline.catalogVersion === current.catalogVersion) {
        failures.push({
          kind: 'lost_live',
          control: was.id,
          message: `${was.id}: observed live in the baseline (catalog ${baseline.catalogVersion}) and removed from the catalog without a version bump`,
          details: [],
        });
      }
      continue;
    }
    if (c.observed === 'live') continue;
    // A lower claim than the baseline's is the catalog saying so on purpose.
    if (RANK[c.claimed] < RANK[was.claimed]) continue;
    failures.push({
      kind: 'lost_live',
      control: was.id,
      message: `${was.id}: observed live in the baseline (catalog ${baseline.catalogVersion}) but ${c.observed} now, and the catalog still claims ${c.claimed}`,
      details: [],
    });
  }
  return failures;
}
