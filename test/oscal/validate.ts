/** ajv validators for the official OSCAL 1.2.1 JSON Schemas kept in test/fixtures/oscal (bytes as NIST publishes them). */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';

// ajv-formats is CommonJS with a default export; under NodeNext the plugin sits on .default.
const addFormats = ((addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule) as unknown as (ajv: Ajv) => Ajv;
import { readFileSync } from 'node:fs';

const SCHEMAS = {
  'assessment-results': 'oscal_assessment-results_schema.json',
  'component-definition': 'oscal_component_schema.json',
  'mapping-collection': 'oscal_mapping_schema.json',
} as const;
export type OscalModel = keyof typeof SCHEMAS;

const cache = new Map<OscalModel, ValidateFunction>();

export function oscalValidator(model: OscalModel): ValidateFunction {
  const cached = cache.get(model);
  if (cached) return cached;
  {
    // Same settings as the acceptance script: the schemas use keywords ajv's strict mode rejects.
    const ajv = new Ajv({ strict: false, allErrors: true });
    addFormats(ajv);
    const v = ajv.compile(JSON.parse(readFileSync(new URL(`../fixtures/oscal/${SCHEMAS[model]}`, import.meta.url), 'utf8')));
    cache.set(model, v);
    return v;
  }
}

/** Validates a document; returns the errors as `pointer message` lines, empty when valid. */
export function validateOscal(model: OscalModel, doc: unknown): string[] {
  const v = oscalValidator(model);
  return v(doc) ? [] : (v.errors ?? []).map((e: ErrorObject) => `${e.instancePath || '/'} ${e.message}`);
}

/** The model a document is an instance of, from its single root key. */
export function modelOf(doc: Record<string, unknown>): OscalModel {
  const [root] = Object.keys(doc);
  if (!(root in SCHEMAS)) throw new Error(`not an OSCAL document we export: root "${root}"`);
  return root as OscalModel;
}
