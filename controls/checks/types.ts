/**
 * The check contract: a pure function from collected facts and parameters to
 * findings. No database, no network, no file system: everything it judges was
 * collected before. Every finding names the object it is about.
 */
import { z } from 'zod';
import type { FactSet } from '../../collectors/types.ts';

export const FindingStatusSchema = z.enum(['pass', 'fail', 'error']);

/**
 * The kind of proof a finding gives (design.md, Section 2):
 * - structure: the guard exists and is effective (enabled, validated, effective privileges,
 *   RLS per command), or the shipped artifact (config, rendered file, source) says so;
 * - data: the rows obey the promise now;
 * - enforcement: a probe attempted the forbidden act as the runtime role, rolled back,
 *   and the database refused it.
 */
export const ProofKindSchema = z.enum(['structure', 'data', 'enforcement']);
export type ProofKind = z.output<typeof ProofKindSchema>;

/** Where a finding comes from, so an engineer can go straight to it. */
export const OriginSchema = z.object({
  /** Stable resource name: `table:public.audit_events`, `column:public.oauth_tokens.refresh_token`,
   *  `trigger:public.audit_events.audit_events_no_update`, `policy:public.agents.agents_account`,
   *  `config:regions.us.location`, `file:platform/crypto/keyring.ts`, `role:trust_app`. */
  resource: z.string(),
  /** Repository-relative file and 1-based line, when the origin is source code or config. */
  file: z.string().optional(),
  line: z.number().int().positive().optional(),
});
export type Origin = z.output<typeof OriginSchema>;

export const FindingSchema = z.object({
  status: FindingStatusSchema,
  /** One sentence naming the object: "Table `public.audit_events` rejects UPDATE for every role." */
  reason: z.string(),
  origin: OriginSchema,
  /** The observed fact behind the finding, short and secret-free (e.g. "trigger enabled: O"). */
  observed: z.string().optional(),
  /** The kind of proof; defaults to the check's own kind (see CheckDefinition.kind). */
  kind: ProofKindSchema.optional(),
});
export type Finding = z.output<typeof FindingSchema>;

export const CheckResultSchema = z.object({
  check: z.string(),
  params: z.record(z.string(), z.unknown()),
  /** pass: all findings pass (and there is at least one). fail: any finding fails.
   *  error: the facts needed were missing or malformed; never silently pass. */
  status: FindingStatusSchema,
  /** The collectors whose facts this check read, for linking to bundle part hashes. */
  collectors: z.array(z.string()),
  findings: z.array(FindingSchema),
});
export type CheckResult = z.output<typeof CheckResultSchema>;

/** Kinds of object a check may judge *every* one of (see controls/claim-scope.ts). */
export type ScopeNoun = 'table' | 'column' | 'row' | 'resource' | 'agent' | 'vm' | 'account' | 'secret' | 'token' | 'password' | 'event' | 'file' | 'cookie' | 'ciphertext';

export interface CheckDefinition<P extends z.ZodTypeAny = z.ZodTypeAny> {
  /** snake_case id referenced from control files. */
  id: string;
  /** What the check proves, one sentence, for reports. */
  description: string;
  /** The kind of proof its findings give unless a finding says otherwise. */
  kind: ProofKind;
  /**
   * True when the check's only input is the catalog's own text (a description, the
   * organisation block): such a check can never make a control live (no self-attestation).
   */
  catalogOnly?: boolean;
  /**
   * The kinds of object this check judges every one of (not only those its parameters
   * name), given its parameters. A live control whose statement promises something of
   * "every table" or "no secret" needs a check that covers that noun. Default: none.
   */
  scope?: ScopeNoun[] | ((params: z.output<P>) => ScopeNoun[]);
  /** Collector ids whose facts it reads. */
  collectors: string[];
  /** Parameter schema; control files are validated against it. Use z.object({}).strict() for none. */
  params: P;
  evaluate(facts: FactSet, params: z.output<P>): Finding[];
}

export function defineCheck<P extends z.ZodTypeAny>(c: CheckDefinition<P>): CheckDefinition<P> {
  return c;
}

/** Runs a check safely: a thrown error or missing facts become an `error` result, never a pass. */
export function runCheck(def: CheckDefinition, facts: FactSet, params: Record<string, unknown>): CheckResult {
  let findings: Finding[];
  const missing = def.collectors.filter((c) => facts[c] === undefined);
  if (missing.length) {
    findings = [{ status: 'error', reason: `Facts from collector(s) ${missing.join(', ')} are missing.`, origin: { resource: `collector:${missing[0]}` } }];
  } else {
    try {
      findings = def.evaluate(facts, def.params.parse(params));
      if (findings.length === 0) {
        findings = [{ status: 'error', reason: `Check ${def.id} produced no finding, so nothing was proven.`, origin: { resource: `check:${def.id}` } }];
      }
    } catch (e) {
      findings = [{ status: 'error', reason: `Check ${def.id} could not evaluate: ${(e as Error).message}`, origin: { resource: `check:${def.id}` } }];
    }
  }
  findings = findings.map((f) => (f.kind ? f : { ...f, kind: def.kind }));
  const status = findings.some((f) => f.status === 'error') ? 'error' : findings.some((f) => f.status === 'fail') ? 'fail' : 'pass';
  return { check: def.id, params, status, collectors: [...def.collectors].sort(), findings };
}
