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
export type OscalModel = keyof typeof SCHEMAS | 'assessment-plan';

const cache = new Map<OscalModel | 'assessment-plan', ValidateFunction>();

/**
 * NIST publishes an assessment-plan schema in the OSCAL release archive, but no package
 * ships it and the fixtures hold the three models the shared validators provide. Every
 * definition an assessment plan uses (metadata, import-ssp, local-definitions' parts,
 * reviewed-controls, assessment-subject, assessment-assets, task, back-matter) is in the
 * official assessment-results schema, shared through OSCAL's assessment-common module;
 * only the plan's root assembly is not. So the plan is validated against those official
 * definitions under a root written after the model reference (required: uuid, metadata,
 * import-ssp, reviewed-controls; nothing else allowed). The fixture file is not changed.
 */
function assessmentPlanSchema(): Record<string, unknown> {
  const ar = JSON.parse(readFileSync(new URL('../fixtures/oscal/oscal_assessment-results_schema.json', import.meta.url), 'utf8'));
  const d = (name: string) => ({ $ref: `#/definitions/oscal-ar-${name}` });
  const many = (name: string) => ({ type: 'array', minItems: 1, items: d(name) });
  ar.$id = 'urn:test:oscal-1.2.1-assessment-plan-derived';
  ar.definitions['test-ap:assessment-plan'] = {
    type: 'object',
    properties: {
      uuid: { $ref: '#/definitions/UUIDDatatype' },
      metadata: d('oscal-metadata:metadata'),
      'import-ssp': d('oscal-assessment-common:import-ssp'),
      'local-definitions': {
        type: 'object',
        properties: {
          components: many('oscal-implementation-common:system-component'),
          'inventory-items': many('oscal-implementation-common:inventory-item'),
          users: many('oscal-implementation-common:system-user'),
          'objectives-and-methods': many('oscal-assessment-common:local-objective'),
          activities: many('oscal-assessment-common:activity'),
          remarks: d('oscal-metadata:remarks'),
        },
        additionalProperties: false,
      },
      'terms-and-conditions': { type: 'object', properties: { parts: many('oscal-assessment-common:assessment-part') }, additionalProperties: false },
      'reviewed-controls': d('oscal-assessment-common:reviewed-controls'),
      'assessment-subjects': many('oscal-assessment-common:assessment-subject'),
      'assessment-assets': d('oscal-assessment-common:assessment-assets'),
      tasks: many('oscal-assessment-common:task'),
      'back-matter': d('oscal-metadata:back-matter'),
    },
    required: ['uuid', 'metadata', 'import-ssp', 'reviewed-controls'],
    additionalProperties: false,
  };
  ar.properties = { $schema: { $ref: '#/definitions/json-schema-directive' }, 'assessment-plan': { $ref: '#/definitions/test-ap:assessment-plan' } };
  ar.required = ['assessment-plan'];
  return ar;
}

/** Validates an assessment plan (see assessmentPlanSchema); errors as `pointer message` lines. */
export function validateAssessmentPlan(doc: unknown): string[] {
  let v = cache.get('assessment-plan');
  if (!v) {
    const ajv = new Ajv({ strict: false, allErrors: true });
    addFormats(ajv);
    v = ajv.compile(assessmentPlanSchema());
    cache.set('assessment-plan', v);
  }
  return v(doc) ? [] : (v.errors ?? []).map((e: ErrorObject) => `${e.instancePath || '/'} ${e.message}`);
}

export function oscalValidator(model: keyof typeof SCHEMAS): ValidateFunction {
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
  if (model === 'assessment-plan') return validateAssessmentPlan(doc);
  const v = oscalValidator(model);
  return v(doc) ? [] : (v.errors ?? []).map((e: ErrorObject) => `${e.instancePath || '/'} ${e.message}`);
}

/** The model a document is an instance of, from its single root key. */
export function modelOf(doc: Record<string, unknown>): OscalModel {
  const [root] = Object.keys(doc);
  if (!(root in SCHEMAS) && root !== 'assessment-plan') throw new Error(`not an OSCAL document we export: root "${root}"`);
  return root as OscalModel;
}
