/**
 * Types of the loaded catalog. zod is the source of truth; the JSON Schema that
 * editors use for control files (controls/schema/control.schema.json) is generated
 * from ControlFileSchema and a test fails when the committed copy is stale.
 */
import { z } from 'zod';

export const STATUSES = ['live', 'designed', 'roadmap'] as const;
export const StatusSchema = z.enum(STATUSES);
export type Status = z.output<typeof StatusSchema>;

export const CATEGORIES = ['residency', 'isolation', 'logging', 'encryption', 'access', 'privacy', 'vulnerability management', 'vendor', 'tool controls', 'governance'] as const;
export const CategorySchema = z.enum(CATEGORIES);

export const CheckRefSchema = z
  .object({
    /** Id of a registered check, e.g. `trigger_blocks_writes`. */
    check: z.string().describe('Id of a check registered in controls/checks/registry.ts.'),
    /** Parameters, validated against the check's own schema. */
    params: z.record(z.string(), z.unknown()).default({}).describe("Parameters, validated against the check's own parameter schema."),
  })
  .strict();

/** Something in the repository that shows a designed control exists: a file, a TS symbol, an IaC resource. */
export const ArtifactSchema = z
  .object({
    /** Repository-relative path. @example "platform/infra/vault/vault.tf" */
    file: z.string().describe('Repository-relative path, e.g. platform/infra/vault/vault.tf.'),
    /** Exported TypeScript symbol in that file. @example "rotateKeys" */
    symbol: z.string().optional().describe('Exported TypeScript symbol in that file.'),
    /** IaC resource address in that file. @example "resource.vault_mount.transit" */
    resource: z.string().optional().describe('Resource address in that file (see platform/infra/README.md), e.g. vault_mount.transit.'),
  })
  .strict();

export const ControlFileSchema = z
  .object({
    /** snake_case, subject + property + expected state. Never changes. @example "audit_events_append_only" */
    id: z
      .string()
      .regex(/^[a-z][a-z0-9_]*$/)
      .describe('snake_case, subject + property + expected state; equals the file name; never changes.'),
    title: z.string().min(3).describe('Short title.'),
    /** What a buyer reads on the site: plain words, one or two sentences. */
    statement: z.string().min(10).describe('What a buyer reads: plain words, one or two sentences.'),
    /** What an auditor reads: how it is implemented and how the checks prove it. */
    description: z.string().min(10).describe('What an auditor reads: how it is implemented and how the checks prove it.'),
    category: CategorySchema.describe('Category of the control.'),
    status: StatusSchema.describe('Claimed status: live (checks prove it), designed (artifacts exist), roadmap (declared).'),
    /** Checks that prove the control. Required for live; allowed for designed (may fail); forbidden for roadmap. */
    checks: z.array(CheckRefSchema).default([]).describe('Checks that prove the control. Expected for live, allowed for designed, forbidden for roadmap.'),
    /** Design artifacts; required for designed controls. */
    artifacts: z.array(ArtifactSchema).default([]).describe('Design artifacts (file, symbol or resource); required for designed, forbidden for roadmap.'),
    /**
     * What the control claims when the gate assesses a database server the platform does not
     * operate (DATABASE_URL): some promises (TLS-only pg_hba, the server's TLS settings) are
     * kept by the server's operator, not by the platform. Without this field the claim is the
     * same everywhere. With it, on such a server the control is evaluated as this lower status
     * (its artifacts must then exist), and the reason is published with it.
     */
    external: z
      .object({
        status: z.enum(['designed', 'roadmap']),
        reason: z.string().min(10),
      })
      .strict()
      .optional()
      .describe('Claimed status, with the reason, when the assessed database server is not operated by the platform (DATABASE_URL).'),
    /** Roadmap target, free text. @example "2027-H1" */
    target: z.string().optional().describe('Roadmap target, free text, e.g. 2027-H1.'),
    /** Seed or source claim this control answers, for traceability. */
    claim: z.string().optional().describe('The claim this control answers, in our own words.'),
    /**
     * How old the latest passing evidence of a live claim may be before the claim is stale
     * (evidence/freshness.ts). Optional with no zod default, so catalogs that do not set it
     * keep their hash; the engine applies 24h. @example "24h"
     */
    maxEvidenceAge: z
      .string()
      .regex(/^[1-9][0-9]{0,5}[smhdw]$/, 'expected a whole number and a unit (s, m, h, d, w), such as 24h or 7d')
      .optional()
      .meta({ default: '24h', examples: ['24h', '1h', '7d'] })
      .describe('Maximum age of the latest passing evidence before a live claim is stale: a whole number and a unit (s, m, h, d, w). Default 24h.'),
    /**
     * How the promise can be broken, each way seen failing by a break row: a test in
     * test/collectors/break-*.test.ts titled `<id>: <how>` (or a BREAKS row with this control
     * and `how`) breaks it behind the platform's back and sees this control fail. Required for
     * a live control and held to the rows both ways by test/controls/break-rows.test.ts. It
     * says how the proof was tested, not what is claimed: the loader validates it and leaves
     * it out of the loaded catalog, so it is in no hash, bundle or changelog.
     * @example ["UPDATE granted to the runtime role"]
     */
    breaks: z
      .array(z.string().min(3))
      .min(1)
      .optional()
      .describe(
        'How the promise can be broken, each the `how` of a break row (a test titled `<id>: <how>` in test/collectors/break-*.test.ts) that sees this control fail. Required for live controls (test/controls/break-rows.test.ts); not part of the published catalog.',
      ),
  })
  .strict();
/** A loaded control: the file's fields, without `breaks` (test metadata, not published). */
export type Control = Omit<z.output<typeof ControlFileSchema>, 'breaks'>;

export const CriterionSchema = z.object({ id: z.string(), title: z.string(), group: z.string().optional() }).strict();
export const FrameworkSchema = z
  .object({
    id: z.string(), // soc2, iso27001, gdpr
    name: z.string(),
    edition: z.string(),
    criteria: z.array(CriterionSchema),
  })
  .strict();
export type Framework = z.output<typeof FrameworkSchema>;
/** A framework file (controls/frameworks/<id>.yaml) wraps its framework in `framework:`, so that
 *  only control files have a top-level `id:` line. Added with the loader; FrameworkSchema is unchanged. */
export const FrameworkFileSchema = z.object({ framework: FrameworkSchema }).strict();

/** One source of truth per framework: criterion -> control ids, with its own version. */
export const MappingSchema = z
  .object({
    framework: z.string(),
    version: z.string().regex(/^\d+\.\d+\.\d+$/),
    criteria: z.record(
      z.string(),
      z.array(
        z
          .object({
            control: z.string(),
            relationship: z.enum(['equivalent', 'subset', 'partial']).default('partial'),
          })
          .strict(),
      ),
    ),
  })
  .strict();
export type Mapping = z.output<typeof MappingSchema>;

/** One entry of the vendor registry: the site's subprocessors page and feed are rendered from it,
 *  and the dependencies check fails on a service SDK or driver whose vendor has no entry. */
export const SubprocessorSchema = z
  .object({
    name: z.string(),
    purpose: z.string(),
    location: z.string(),
    data: z.string().optional(),
    /** Date (YYYY-MM-DD) since which the vendor processes data for us: the date the entry was added. */
    since: z
      .string()
      .regex(/^\d{4}-\d{2}-\d{2}$/, 'a date YYYY-MM-DD')
      .optional(),
  })
  .strict();
export const OrganisationSchema = z
  .object({
    name: z.string(),
    website: z.string(),
    contact: z.string(),
    disclosure: z
      .object({
        contact: z.string(),
        acknowledgementBusinessDays: z.number().int().positive(),
        fixTargetDays: z.object({ critical: z.number().int(), high: z.number().int(), medium: z.number().int(), low: z.number().int() }).strict(),
        coordinatedDisclosureDays: z.number().int().positive(),
        policyUrl: z.string(),
        preferredLanguages: z.array(z.string()).default(['en']),
      })
      .strict(),
    subprocessors: z.array(SubprocessorSchema),
    /** Where the source lives (https://host/owner/name): file paths on the site link to it at the bundle's commit. */
    repository: z
      .string()
      .regex(/^https:\/\/[^\s]+[^/\s]$/, 'an https URL without a trailing slash')
      .optional(),
  })
  .strict();
export type Organisation = z.output<typeof OrganisationSchema>;

export const CatalogFileSchema = z
  .object({
    version: z.string().regex(/^\d+\.\d+\.\d+$/),
    organisation: OrganisationSchema,
    frameworks: z.array(z.string()),
  })
  .strict();

export interface Catalog {
  version: string;
  /** SHA-256 over the canonical JSON of the loaded catalog (controls, frameworks, mappings, organisation). */
  sha256: string;
  organisation: Organisation;
  controls: Control[]; // sorted by id
  frameworks: Framework[]; // sorted by id
  mappings: Mapping[]; // sorted by framework
  /** control id -> repository-relative file it came from, for error origins. */
  files: Record<string, string>;
  /** Things worth knowing that are not errors (a live control without checks yet, an unmapped control). Not hashed. */
  notes?: string[];
}

// Collectors read the catalog through the kernel's plain-data shape (the wall keeps them
// off this module); a loaded catalog must stay assignable to it.
export type CatalogIsCatalogData = Catalog extends import('../platform/kernel/catalog-data.ts').CatalogData ? true : never;
const catalogIsCatalogData: CatalogIsCatalogData = true;
void catalogIsCatalogData;
