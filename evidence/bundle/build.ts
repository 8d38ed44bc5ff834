/**
 * Assembles the evidence bundle: everything an auditor needs to re-check a run,
 * in canonical JSON with no timestamp inside, so the same platform state and the
 * same catalog give byte-identical bundles. Time and signature live in the envelope.
 */
import { execFileSync } from 'node:child_process';
import type { Catalog } from '../../controls/types.ts';
import { canonicalBytes, contentHash } from '../../platform/kernel/canonical.ts';
import type { CollectedPart, Summary } from '../evaluate.ts';
import { BundleSchema, type Bundle, type ControlEvaluation } from '../types.ts';

export const BUNDLE_FORMAT = 'trust-evidence-bundle/1' as const;

export interface BundleInput {
  catalog: Catalog;
  parts: Record<string, CollectedPart>;
  evaluations: ControlEvaluation[];
  summary: Summary;
  platform: Bundle['platform'];
  developmentSigningKey: boolean;
}

export function buildBundle(input: BundleInput): Bundle {
  const parts: Bundle['parts'] = {};
  for (const id of Object.keys(input.parts).sort()) {
    const p = input.parts[id];
    parts[id] = { collector: p.collector, version: p.version, sha256: contentHash(p.facts ?? null), facts: p.facts ?? null };
  }
  const { catalog } = input;
  const bundle: Bundle = {
    format: BUNDLE_FORMAT,
    catalog: {
      version: catalog.version,
      sha256: catalog.sha256,
      organisation: catalog.organisation,
      controls: catalog.controls,
      frameworks: catalog.frameworks,
      mappings: catalog.mappings,
    },
    platform: input.platform,
    developmentSigningKey: input.developmentSigningKey,
    parts,
    evaluations: input.evaluations,
    summary: input.summary,
  };
  // Fail here, not in an auditor's hands, if the engine ever produces a shape verify would reject.
  BundleSchema.parse(bundle);
  return bundle;
}

/** The exact bytes written to bundle.json (RFC 8785, no trailing newline). */
export function serializeBundle(bundle: Bundle): Buffer {
  return canonicalBytes(bundle);
}

/** Platform identity from the schema collector's facts plus the repository's commit. */
export function platformInfo(parts: Record<string, CollectedPart>, root: string, where?: RunEnvironment): Bundle['platform'] {
  const schema = (parts.schema?.facts ?? {}) as Record<string, unknown>;
  const info: Bundle['platform'] = { schemaVersion: lastMigration(schema), postgresVersion: postgresVersion(schema), gitCommit: gitCommit(root) };
  if (where) {
    const server = schema.server as { fsync?: unknown } | undefined;
    const fsync = server?.fsync === 'on' || server?.fsync === 'off' ? server.fsync : 'unknown';
    info.environment = { kind: where.embedded ? 'embedded' : 'external', server: where.server, database: typeof schema.database === 'string' ? schema.database : 'unknown', fsync };
  }
  return info;
}

/** Where the gate ran, as the database connection says it (never credentials). */
export interface RunEnvironment {
  embedded: boolean;
  /** host:port, or the host alone for the embedded server (its port changes at each start) */
  server: string;
}

function lastMigration(schema: Record<string, unknown>): string {
  const list = (schema.migrations ?? (schema.database as Record<string, unknown> | undefined)?.migrations) as unknown;
  if (Array.isArray(list) && list.length) {
    const names = list
      .map((m) => (typeof m === 'string' ? m : String((m as { name?: unknown }).name ?? '')))
      .filter(Boolean)
      .sort();
    if (names.length) return names[names.length - 1];
  }
  const direct = schema.schemaVersion ?? schema.lastMigration;
  return typeof direct === 'string' ? direct : 'unknown';
}

function postgresVersion(schema: Record<string, unknown>): string {
  const server = schema.server as Record<string, unknown> | undefined;
  const v = schema.postgresVersion ?? schema.serverVersion ?? server?.version ?? server?.serverVersion;
  return typeof v === 'string' || typeof v === 'number' ? String(v) : 'unknown';
}

export function gitCommit(root: string): string {
  try {
    return (
      execFileSync('git', ['rev-parse', 'HEAD'], { cwd: root, stdio: ['ignore', 'pipe', 'ignore'] })
        .toString()
        .trim() || 'unknown'
    );
  } catch {
    return 'unknown';
  }
}
