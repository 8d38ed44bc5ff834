/**
 * Shapes produced by the evidence engine and read by every renderer (reports,
 * OSCAL, the site). Renderers never compute a status: they read these.
 */
import { z } from 'zod';
import { CheckResultSchema, FindingSchema } from '../controls/checks/types.ts';
import { StatusSchema, ControlFileSchema, FrameworkSchema, MappingSchema, OrganisationSchema } from '../controls/types.ts';

/**
 * holds: claimed status is supported by the evidence.
 * regression: claimed live, a check fails or errors.
 * unsupported: claimed designed but a named artifact is missing (or other claim/evidence mismatch).
 * ready_to_promote: claimed designed, artifacts exist and every check passes.
 * stale: claimed live and every check passed, but that evidence is older than the control's
 *   maximum evidence age at the instant it is judged (evidence/freshness.ts decides it).
 */
export const VerdictSchema = z.enum(['holds', 'regression', 'unsupported', 'ready_to_promote', 'stale']);
export type Verdict = z.output<typeof VerdictSchema>;

export const ControlEvaluationSchema = z.object({
  control: z.string(),
  claimed: StatusSchema,
  /** What the evidence supports: live if every check passes (and there is one);
   *  designed if the design artifacts exist; roadmap otherwise. */
  observed: StatusSchema,
  verdict: VerdictSchema,
  checks: z.array(CheckResultSchema),
  /** Artifact existence for designed controls: file[#symbol] -> found. */
  artifacts: z.array(z.object({ file: z.string(), symbol: z.string().optional(), resource: z.string().optional(), found: z.boolean(), line: z.number().optional() })),
  /** Failing or erroring findings, flattened, each with its origin. Empty when the verdict holds. */
  findings: z.array(FindingSchema.extend({ check: z.string() })),
  /** When this evaluation's facts were read and how old they may get (evidence/freshness.ts). Absent in bundles from before freshness. */
  freshness: z.object({ evidenceAt: z.string().datetime(), maxAgeSeconds: z.number().int().positive() }).optional(),
});
export type ControlEvaluation = z.output<typeof ControlEvaluationSchema>;

export const EvidencePartSchema = z.object({
  collector: z.string(),
  version: z.string(),
  /** SHA-256 (hex) of the canonical JSON of `facts`. */
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  facts: z.unknown(),
});
export type EvidencePart = z.output<typeof EvidencePartSchema>;

export const BundleSchema = z.object({
  format: z.literal('trust-evidence-bundle/1'),
  catalog: z.object({
    version: z.string(),
    sha256: z.string(),
    organisation: OrganisationSchema,
    controls: z.array(ControlFileSchema),
    frameworks: z.array(FrameworkSchema),
    mappings: z.array(MappingSchema),
  }),
  platform: z.object({
    /** Name of the last applied migration. */
    schemaVersion: z.string(),
    postgresVersion: z.string(),
    gitCommit: z.string(),
    /** What was assessed: the server and database, and whether it is the disposable demo. */
    environment: z
      .object({
        /** `embedded`: the demo server `npm start` runs (fsync off); `external`: a server named by URL. */
        kind: z.enum(['embedded', 'external']),
        /** host:port of the server (the host alone for the embedded one, whose port changes at each start); never credentials. */
        server: z.string(),
        database: z.string(),
        fsync: z.enum(['on', 'off', 'unknown']),
      })
      .optional(),
  }),
  /** True when the signing key was generated for development; auditors should not trust such a bundle. */
  developmentSigningKey: z.boolean(),
  parts: z.record(z.string(), EvidencePartSchema),
  evaluations: z.array(ControlEvaluationSchema),
  summary: z.object({
    controls: z.number(),
    claimed: z.record(StatusSchema, z.number()),
    observed: z.record(StatusSchema, z.number()),
    regressions: z.number(),
    unsupported: z.number(),
    readyToPromote: z.number(),
  }),
});
export type Bundle = z.output<typeof BundleSchema>;

/**
 * out/bundle.sig.json is a DSSE envelope (payloadType application/vnd.in-toto+json)
 * whose payload is an in-toto Statement naming bundle.json by SHA-256 and carrying
 * the signing time; the signature (Ed25519) covers DSSE's PAE of that payload.
 * See evidence/bundle/ for the implementation.
 */
