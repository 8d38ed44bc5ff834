/**
 * OSCAL mapping-collection, one per framework: our catalog's controls (source) to
 * the framework's criteria (target), one map per (control, criterion) pair of our
 * versioned mapping file.
 *
 * Our relationships translate to OSCAL's set-theory vocabulary with the control as
 * the source: `equivalent` -> equivalent-to, `subset` (the control covers part of
 * the criterion) -> subset-of, `partial` (they overlap) -> intersects-with. The raw
 * value stays in a prop so nothing is lost in translation.
 */
import type { Bundle } from '../types.ts';
import { catalogResource, criterionToken, frameworkResource, metadata, oneLine, ourProp, propNamespace, uuidFactory, bundleResources, type OscalContext } from './common.ts';

export const RELATIONSHIPS = { equivalent: 'equivalent-to', subset: 'subset-of', partial: 'intersects-with' } as const;

/** One mapping-collection document per framework mapping in the bundle, keyed by framework id. */
export function buildMappings(ctx: OscalContext): Record<string, ReturnType<typeof buildMapping>> {
  const out: Record<string, ReturnType<typeof buildMapping>> = {};
  for (const mapping of ctx.bundle.catalog.mappings) {
    // OSCAL requires at least one map; a framework we map nothing to has no mapping to publish.
    if (Object.values(mapping.criteria).some((entries) => entries.length > 0)) out[mapping.framework] = buildMapping(ctx, mapping);
  }
  return out;
}

function buildMapping(ctx: OscalContext, mapping: Bundle['catalog']['mappings'][number]) {
  const { bundle } = ctx;
  const ns = propNamespace(bundle);
  const uuid = uuidFactory(bundle);
  const framework = bundle.catalog.frameworks.find((f) => f.id === mapping.framework)!;
  const source = catalogResource(ctx, ns, uuid);
  const target = frameworkResource(ctx, ns, uuid, mapping.framework);

  const order = framework.criteria.map((c) => c.id);
  const criteria = Object.keys(mapping.criteria).sort((a, b) => rank(order, a) - rank(order, b) || a.localeCompare(b));
  const maps = criteria.flatMap((criterionId) =>
    mapping.criteria[criterionId].map((entry) => {
      const token = criterionToken(mapping.framework, criterionId);
      return {
        uuid: uuid('map', mapping.framework, criterionId, entry.control),
        relationship: RELATIONSHIPS[entry.relationship],
        sources: [{ type: 'control', 'id-ref': entry.control }],
        targets: [
          {
            type: 'control',
            'id-ref': token,
            ...(token !== criterionId ? { props: [ourProp(ns, 'criterion-id', criterionId)] } : {}),
          },
        ],
        props: [ourProp(ns, 'relationship', entry.relationship)],
      };
    }),
  );

  const mappedCriteria = new Set(criteria.filter((c) => mapping.criteria[c].length > 0));
  const unmappedCriteria = framework.criteria.filter((c) => !mappedCriteria.has(c.id)).map((c) => criterionToken(framework.id, c.id));
  const mappedControls = new Set(
    Object.values(mapping.criteria)
      .flat()
      .map((e) => e.control),
  );
  const unmappedControls = bundle.catalog.controls.filter((c) => !mappedControls.has(c.id)).map((c) => c.id);
  const coverage = framework.criteria.length ? mappedCriteria.size / framework.criteria.length : 0;

  const description = [
    `Which controls of the ${oneLine(bundle.catalog.organisation.name)} catalog ${bundle.catalog.version} address which criteria of ${framework.name} (${framework.edition}).`,
    `Maintained by hand as one versioned file per framework (mapping version ${mapping.version}). A mapping says which criterion a control serves; whether the control holds is in the assessment results.`,
  ].join(' ');

  const resources = bundleResources(ctx, uuid);
  const mappingEntry: Record<string, unknown> = {
    uuid: uuid('mapping', mapping.framework, mapping.version),
    'source-resource': { type: 'catalog', href: `#${source.uuid}` },
    'target-resource': { type: 'catalog', href: `#${target.uuid}` },
    maps,
    props: [ourProp(ns, 'framework-id', mapping.framework), ourProp(ns, 'mapping-version', mapping.version)],
  };
  if (unmappedControls.length) {
    mappingEntry['source-gap-summary'] = { uuid: uuid('gap', 'source', mapping.framework, mapping.version), 'unmapped-controls': [{ 'with-ids': unmappedControls }] };
  }
  if (unmappedCriteria.length) {
    mappingEntry['target-gap-summary'] = { uuid: uuid('gap', 'target', mapping.framework, mapping.version), 'unmapped-controls': [{ 'with-ids': unmappedCriteria }] };
  }
  mappingEntry.coverage = { 'generation-method': 'arbitrary', 'target-coverage': round(coverage) };

  return {
    'mapping-collection': {
      uuid: uuid('mapping-collection', mapping.framework, mapping.version, bundle.catalog.sha256),
      metadata: metadata(ctx, ns, uuid, `${bundle.catalog.organisation.name} controls to ${framework.name} (${framework.edition})`, [ourProp(ns, 'framework-id', framework.id)]),
      provenance: {
        method: 'human',
        'matching-rationale': 'semantic',
        status: unmappedCriteria.length ? 'not-complete' : 'complete',
        'mapping-description': description,
        remarks: `${mappedCriteria.size} of ${framework.criteria.length} criteria have at least one control; target-coverage is that fraction.`,
      },
      mappings: [mappingEntry],
      'back-matter': { resources: [source, target, resources.bundle] },
    },
  };
}

function rank(order: string[], id: string): number {
  const i = order.indexOf(id);
  return i === -1 ? order.length : i;
}

function round(n: number): number {
  return Math.round(n * 10000) / 10000;
}
