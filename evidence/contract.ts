/**
 * The published bundle contract: everything a renderer outside the engine (the site, and
 * the reports and OSCAL inside it) may know about the evidence it renders. The site imports
 * this module and nothing else of the engine (.dependency-cruiser.cjs, rule
 * site-reads-the-contract), so what the site depends on is listed in one place.
 */
export { BundleSchema, type Bundle, type ControlEvaluation } from './types.ts';
export type { Control, Framework, Mapping } from '../controls/types.ts';
export { liveControlsNotObservedLive } from './site/publish-gate.ts';
export { buildTrustJson, serializeTrustJson, type TrustJson, type TrustClaim } from './site/trust-json.ts';
