/**
 * What both report renderers (markdown and PDF) show, shaped once from the bundle.
 * Nothing here decides a status: it groups and counts the verdicts the engine wrote.
 */
import type { Control, Framework, Status } from '../../controls/types.ts';
import { compareCriteria, criteriaByControl } from '../mapping/mapping.ts';
import type { Change } from '../mapping/diff.ts';
import type { Changelog } from '../mapping/releases.ts';
import type { Bundle, ControlEvaluation } from '../types.ts';
import type { PeriodReport } from '../history/period.ts';

export interface ReportInput {
  bundle: Bundle;
  bundleSha256: string;
  /** The run's time (the envelope's signedAt). */
  generatedAt: Date;
  changelog: Changelog;
  /** SHA-256 of the signing public key (DER, SPKI), to pin the signer when verifying. */
  signingKeySha256?: string;
  /** The tool that produced the bundle: package version (the commit is in bundle.platform). */
  toolVersion?: string;
  /** When the report is rendered for an audit period (trust report --from --to): the period as
   *  `trust period` computes it from the transparency log (evidence/history/period.ts). */
  period?: PeriodReport;
}

export interface FrameworkRow {
  framework: Framework;
  mappingVersion: string;
  /** Distinct controls mapped to the framework, by observed status. */
  observed: Record<Status, number>;
  mapped: number;
  criteria: { id: string; title: string; controls: { id: string; relationship: string; claimed: Status; observed: Status }[] }[];
}

/** A control as the reports list it: criterion ids grouped per framework (the site links each criterion: contract ControlView). */
export interface ReportControlView {
  control: Control;
  evaluation: ControlEvaluation;
  /** framework id -> criterion ids. */
  criteria: Record<string, string[]>;
}

// One order for every renderer (the published contract); the reports import it from here.
export { STATUS_ORDER } from '../contract.ts';

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
        id: cr.id,
        title: cr.title,
        controls: refs.map((r) => ({ id: r.control, relationship: r.relationship, claimed: claimedOf.get(r.control) ?? 'roadmap', observed: evalOf.get(r.control)?.observed ?? 'roadmap' })),
      };
    });
    const observed: Record<Status, number> = { live: 0, designed: 0, roadmap: 0 };
    for (const id of ids) observed[evalOf.get(id)?.observed ?? 'roadmap']++;
    return { framework: fw, mappingVersion: mapping?.version ?? 'none', observed, mapped: ids.size, criteria };
  });
}

export function controlViews(bundle: Bundle): ReportControlView[] {
  const crit = criteriaByControl(bundle);
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
  stale: 'STALE (evidence older than its maximum age)',
};

/** The newest changelog entry and what it says, for "what changed since the last version". */
export function latestChanges(changelog: Changelog): { version: string; unreleased: boolean; changes: Change[] } | null {
  const e = changelog.versions[0];
  return e ? { version: e.version, unreleased: e.unreleased, changes: e.changes } : null;
}

export function shortHash(h: string): string {
  return h.slice(0, 12);
}

/** What was assessed, in one sentence, from the bundle's own record of where it ran. */
export function assessedText(bundle: Bundle): string {
  const env = bundle.platform.environment;
  const pg = `PostgreSQL ${bundle.platform.postgresVersion}`;
  if (!env) return `Database not recorded (bundle from an older run); ${pg}.`;
  if (env.kind === 'embedded') {
    return `Demo workload on the embedded ${pg} (database ${env.database} at ${env.server}, fsync ${env.fsync}): a disposable demonstration, not a production system.`;
  }
  return `Database ${env.database} on ${env.server}, ${pg}${env.fsync === 'off' ? ' (fsync off: not durable)' : ''}.`;
}

/** The tool and the exact source that produced the bundle. */
export function toolText(input: ReportInput): string {
  const commit = input.bundle.platform.gitCommit;
  return `trust-evidence ${input.toolVersion ?? 'unknown'}, commit ${/^[0-9a-f]{7,}$/.test(commit) ? commit.slice(0, 12) : commit}`;
}

/**
 * Every control that is not live, with why, as the engine recorded it: designed and
 * roadmap claims, and any claim that does not hold. Nothing is decided here.
 */
export function exceptions(bundle: Bundle): { id: string; title: string; status: string; why: string }[] {
  return controlViews(bundle)
    .filter((v) => v.evaluation.observed !== 'live' || v.evaluation.claimed !== 'live')
    .map((v) => {
      const e = v.evaluation;
      let why: string;
      if (e.verdict === 'regression' || e.verdict === 'unsupported') why = `${VERDICT_TEXT[e.verdict]}: ${e.findings[0]?.reason ?? 'no finding recorded'}`;
      else if (e.claimed === 'designed')
        why = `Designed: ${e.artifacts.length} design artifact(s) verified in the repository; not running on the platform${e.verdict === 'ready_to_promote' ? ' (its checks pass: ready to promote)' : ''}.`;
      else if (e.claimed === 'roadmap') why = `Roadmap${v.control.target ? `, target ${v.control.target}` : ''}: declared, no evidence claimed.`;
      else why = VERDICT_TEXT[e.verdict];
      return { id: v.control.id, title: v.control.title, status: e.claimed === e.observed ? e.claimed : `claimed ${e.claimed}, observed ${e.observed}`, why };
    });
}
