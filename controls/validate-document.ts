/**
 * One catalog document checked against its schema, every problem reported at its place in
 * the YAML (controls/loader.ts collects them for the whole catalog).
 */
import type { ErrorObject, ValidateFunction } from 'ajv';
import type { z } from 'zod';
import { fromPointer, reportZodIssues, type Diagnostics, type Source } from '../platform/kernel/located-yaml.ts';

/**
 * Validates a parsed document with zod, which also applies defaults. A document zod
 * rejects is reported from the JSON Schema (when given), whose errors carry JSON
 * pointers; the schema is generated from the same zod source (controls/schema/), so
 * both accept the same documents, and zod's own issues are the fallback.
 */
export function validateDocument<S extends z.ZodTypeAny>(run: Diagnostics, src: Source, schema: S, ajv?: (() => ValidateFunction) | null): z.output<S> | null {
  const value: unknown = src.doc.toJS();
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    run.at(src, [], 'Expected a YAML mapping at the top of the file.');
    return null;
  }
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data as z.output<S>;
  const validator = ajv?.();
  if (validator && !validator(value)) {
    for (const e of validator.errors ?? []) reportAjv(run, src, e);
    return null;
  }
  reportZodIssues(run, src, parsed.error.issues);
  return null;
}

function reportAjv(run: Diagnostics, src: Source, e: ErrorObject): void {
  const segs = fromPointer(e.instancePath);
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'additionalProperties': {
      const allowed = Object.keys((e.parentSchema as { properties?: object } | undefined)?.properties ?? {});
      run.at(src, [...segs, String(p.additionalProperty)], `Unknown field "${String(p.additionalProperty)}". Allowed: ${allowed.join(', ')}.`);
      return;
    }
    case 'required':
      run.at(src, segs, `Missing required field "${String(p.missingProperty)}".`);
      return;
    case 'enum':
      run.at(src, segs, `${JSON.stringify(e.data)} is not allowed; use one of: ${(p.allowedValues as unknown[]).join(', ')}.`);
      return;
    case 'pattern':
      run.at(src, segs, `${JSON.stringify(e.data)} does not match ${String(p.pattern)}${segs.at(-1) === 'id' ? ' (ids are snake_case: subject + property + state)' : ''}.`);
      return;
    case 'type':
      run.at(src, segs, `Expected ${String(p.type)}, found ${e.data === null ? 'null' : Array.isArray(e.data) ? 'array' : typeof e.data}.`);
      return;
    case 'minLength':
      run.at(src, segs, `Too short: at least ${String(p.limit)} characters.`);
      return;
    default:
      run.at(src, segs, `${e.message ?? e.keyword}.`);
  }
}
