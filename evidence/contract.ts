/**
 * The published bundle contract: everything a renderer of the evidence (the site, the
 * reports, OSCAL) may know about what it renders, declared once. The site imports this
 * module and nothing else of the engine (.dependency-cruiser.cjs, rule
 * site-reads-the-contract), so what the site depends on is listed in one place.
 */
import type { Control, Framework, Status } from '../controls/types.ts';
import type { ControlEvaluation } from './types.ts';

export { BundleSchema, type Bundle, type ControlEvaluation } from './types.ts';
export type { Control, Framework, Mapping, Status } from '../controls/types.ts';
/** bundle.sig.json: the DSSE envelope and the in-toto Statement it carries. */
export { EnvelopeSchema, StatementSchema, type Envelope, type Statement } from './bundle/dsse.ts';
export { liveControlsNotObservedLive } from './site/publish-gate.ts';
export { buildTrustJson, serializeTrustJson, type TrustJson, type TrustClaim } from './site/trust-json.ts';
/** Where a bundle and its siblings are read from: the one run's set it resolves to (evidence/output/atomic-set.ts). */
export { resolveInSet } from './output/atomic-set.ts';
/** The transparency log the site publishes: read from the log directory, checked against the run's receipt (evidence/site/log-snapshot.ts). */
export { publishedLog, siteLogDir, type LogSnapshot } from './site/log-snapshot.ts';

/** The order every renderer lists statuses in: proven first. */
export const STATUS_ORDER: Status[] = ['live', 'designed', 'roadmap'];

/** Short framework names for badges, filters and headings (the report's cover spells ISO/IEC out). */
export const FRAMEWORK_SHORT_NAMES: Readonly<Record<string, string>> = { soc2: 'SOC 2', iso27001: 'ISO 27001', gdpr: 'GDPR' };

/** A framework's short name, or `name` (its id by default) for a framework without one. */
export function frameworkShort(id: string, name = id): string {
  return FRAMEWORK_SHORT_NAMES[id] ?? name;
}

/** One control as a renderer shows it: the catalog entry, its evaluation, the criteria it maps to. */
export interface ControlView {
  control: Control;
  evaluation: ControlEvaluation;
  /** Every framework criterion this control maps to, with the relationship. */
  criteria: { framework: Framework; criterion: { id: string; title: string }; relationship: string }[];
}

/** The evidence history of the log the site publishes, as `trust history --json` gives it, and
 *  shaped for the pages: 90-day segments, claim changes for the feed (evidence/history/). */
export { publishedHistory } from './history/published.ts';
export {
  historyView,
  claimChanges,
  changeKind,
  TIMELINE_DAYS,
  type HistoryView,
  type ControlHistory,
  type TimelineSegment,
  type ClaimChange,
  type ClaimChangeKind,
  type HistoryReport,
  type HistoryChange,
  type HistoryState,
  type Uptime,
} from './history/site-view.ts';
/** The released catalog snapshots (controls/releases/<version>.json, committed, validated): the "as of" pages. */
export { readReleases, releasesDir } from './mapping/releases.ts';
export type { MappingFile as ReleasedCatalog } from './mapping/mapping.ts';
