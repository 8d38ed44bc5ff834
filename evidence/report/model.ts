/**
 * What both report renderers (markdown and PDF) show, shaped once from the bundle.
 * Nothing here decides a status: it groups and counts the verdicts the engine wrote.
 */
import type { Control, Framework, Status } from '../../controls/types.ts';
import { compareCriteria } from '../mapping/mapping.ts';
import type { Change } from '../mapping/diff.ts';
import type { Changelog } from '../mapping/releases.ts';
import type { Bundle, ControlEvaluation } from '../types.ts';

export interface ReportInput {
  bundle: Bundle;
  bundleSha256: string;
  /** The run's time (the envelope's signedAt). */
  generatedAt: Date;
  changelog: Changelog;
}

export interface FrameworkRow {
  framework: Framework;
  mappingVersion: string;
  /** Distinct controls mapped to the framework, by observed status. */
  observed: Record<Status, number>;
  mapped: number;
  criteria: { id: string; title: string; controls: { id: string; relationship: string; claimed: Status; observed: Status }[] }[];
}

export interface ControlView {
  control: Control;
  evaluation: ControlEvaluation;
  /** framework id -> criterion ids. */
  criteria: Record<string, string[]>;
}

export const STATUS_ORDER: Status[] = ['live', 'designed', 'roadmap'];

export function frameworkRows(bundle: Bundle): FrameworkRow[] {
  const evalOf = new Map(bundle.evaluations.map((e) => [e.control, e]));
  const claimedOf = new Map(bundle.catalog.controls.map((c) => [c.id, c.status]));
  return bundle.catalog.frameworks.map((fw) => {
    const mapping = bundle.catalog.mappings.find((m) => m.framework === fw.id);
    const ids = new Set<string>();
    const criteria = fw.criteria.map((cr) => {
      const refs = mapping?.criteria[cr.id] ?? [];
      refs.forEach((r) => ids.add(r.control));
      return {
        id: cr.id, title: cr.title,
        controls: refs.map((r) => ({ id: r.control, relationship: r.relationship, claimed: claimedOf.get(r.control) ?? 'roadmap', observed: evalOf.get(r.control)?.observed ?? 'roadmap' })),
      };
    });
    const observed: Record<Status, number> = { live: 0, designed: 0, roadmap: 0 };
    for (const id of ids) observed[evalOf.get(id)?.observed ?? 'roadmap']++;
    return { framework: fw, mappingVersion: mapping?.version ?? 'none', observed, mapped: ids.size, criteria };
  });
}

export function controlViews(bundle: Bundle): ControlView[] {
  const crit = new Map<string, Record<string, string[]>>();
  for (const m of bundle.catalog.mappings) {
    for (const [cr, refs] of Object.entries(m.criteria)) {
      for (const r of refs) {
        const per = crit.get(r.control) ?? {};
        (per[m.framework] ??= []).push(cr);
        crit.set(r.control, per);
      }
    }
  }
  for (const per of crit.values()) for (const k of Object.keys(per)) per[k].sort(compareCriteria);
  const evalOf = new Map(bundle.evaluations.map((e) => [e.control, e]));
  return [...bundle.catalog.controls]
    .sort((a, b) => (a.id < b.id ? -1 : 1))
    .flatMap((c) => {
      const evaluation = evalOf.get(c.id);
      return evaluation ? [{ control: c, evaluation, criteria: crit.get(c.id) ?? {} }] : [];
    });
}

export const VERDICT_TEXT: Record<ControlEvaluation['verdict'], string> = {
  holds: 'claim holds',
  regression: 'REGRESSION',
  unsupported: 'UNSUPPORTED',
  ready_to_promote: 'ready to promote',
};

/** The newest changelog entry and what it says, for "what changed since the last version". */
export function latestChanges(changelog: Changelog): { version: string; unreleased: boolean; changes: Change[] } | null {
  const e = changelog.versions[0];
  return e ? { version: e.version, unreleased: e.unreleased, changes: e.changes } : null;
}

export function shortHash(h: string): string {
  return h.slice(0, 12);
}
