/**
 * OSCAL component-definition: the platform as one service component, with its
 * control implementations described per framework criterion, and once more per
 * control of our own catalog.
 *
 * Statuses are the evidence's, not the catalog's wish: implementation-status
 * follows the observed status (live only when every check passes), and both the
 * claimed and the observed status are carried as props.
 */
import { InputError } from '../../platform/kernel/errors.ts';
import {
  bundleResources,
  catalogResource,
  controlEvaluation,
  criterionToken,
  frameworkResource,
  implementationState,
  metadata,
  oneLine,
  ourProp,
  propNamespace,
  uuidFactory,
  type OscalContext,
  type Prop,
  type Status,
} from './common.ts';

type Relationship = 'equivalent' | 'subset' | 'partial';

export function buildComponentDefinition(ctx: OscalContext) {
  const { bundle } = ctx;
  const ns = propNamespace(bundle);
  const uuid = uuidFactory(bundle);
  const catalogRes = catalogResource(ctx, ns, uuid);
  const frameworkResources = bundle.catalog.mappings.map((m) => frameworkResource(ctx, ns, uuid, m.framework));
  const controls = new Map(bundle.catalog.controls.map((c) => [c.id, c]));

  const perFramework = bundle.catalog.mappings
    .map((mapping, i) => {
      const framework = bundle.catalog.frameworks.find((f) => f.id === mapping.framework)!;
      // Framework order (as published), then any mapped criterion the framework does not list.
      const order = framework.criteria.map((c) => c.id);
      const criteria = Object.keys(mapping.criteria)
        .filter((id) => mapping.criteria[id].length > 0)
        .sort((a, b) => rank(order, a) - rank(order, b) || a.localeCompare(b));
      return {
        uuid: uuid('control-implementation', mapping.framework, mapping.version),
        source: `#${frameworkResources[i].uuid}`,
        description: `How the ${oneLine(bundle.catalog.organisation.name)} platform addresses ${framework.name} (${framework.edition}), per criterion, under mapping version ${mapping.version}.`,
        props: [ourProp(ns, 'framework-id', mapping.framework), ourProp(ns, 'mapping-version', mapping.version)],
        'implemented-requirements': criteria.map((criterionId) => {
          const criterion = framework.criteria.find((c) => c.id === criterionId);
          const entries = mapping.criteria[criterionId].map((entry) => {
            const control = controls.get(entry.control);
            if (!control) throw new InputError(`bundle.json /catalog/mappings: ${mapping.framework} ${criterionId} names unknown control "${entry.control}"`);
            return { entry, control, evaluation: controlEvaluation(bundle, entry.control) };
          });
          const token = criterionToken(mapping.framework, criterionId);
          const props: Prop[] = [];
          if (token !== criterionId) props.push(ourProp(ns, 'criterion-id', criterionId));
          props.push(ourProp(ns, 'implementation-status', criterionState(entries.map((e) => ({ observed: e.evaluation.observed, relationship: e.entry.relationship })))));
          for (const { entry, evaluation } of entries) {
            // One group per control, so tools can read the control's statuses together.
            const group = entry.control;
            props.push(
              ourProp(ns, 'control-id', entry.control, { group }),
              ourProp(ns, 'relationship', entry.relationship, { group }),
              ourProp(ns, 'claimed-status', evaluation.claimed, { group }),
              ourProp(ns, 'observed-status', evaluation.observed, { group }),
            );
          }
          return {
            uuid: uuid('implemented-requirement', mapping.framework, criterionId),
            'control-id': token,
            description: [
              `${criterion ? `${oneLine(criterion.title)}. ` : ''}Addressed by ${entries.length} control${entries.length === 1 ? '' : 's'}:`,
              ...entries.map(
                ({ entry, control, evaluation }) => `- \`${control.id}\` (${entry.relationship}): ${oneLine(control.title)}. Claimed ${evaluation.claimed}, observed ${evaluation.observed}.`,
              ),
            ].join('\n'),
            props,
          };
        }),
      };
    })
    .filter((ci) => ci['implemented-requirements'].length > 0);

  const ownCatalog = {
    uuid: uuid('control-implementation', 'catalog', bundle.catalog.version),
    source: `#${catalogRes.uuid}`,
    description: `Every control of the ${oneLine(bundle.catalog.organisation.name)} catalog ${bundle.catalog.version}, with its claimed and observed status.`,
    'implemented-requirements': bundle.catalog.controls.map((control) => {
      const evaluation = controlEvaluation(bundle, control.id);
      return {
        uuid: uuid('implemented-requirement', 'catalog', control.id),
        'control-id': control.id,
        description: control.description.trim(),
        props: [
          ourProp(ns, 'implementation-status', implementationState(evaluation.observed)),
          ourProp(ns, 'claimed-status', evaluation.claimed),
          ourProp(ns, 'observed-status', evaluation.observed),
          ourProp(ns, 'verdict', evaluation.verdict),
          ourProp(ns, 'category', control.category),
        ],
      };
    }),
  };

  const resources = bundleResources(ctx, uuid);
  return {
    'component-definition': {
      uuid: uuid('component-definition', ctx.bundleSha256),
      metadata: metadata(ctx, ns, uuid, `${bundle.catalog.organisation.name} platform: component definition`),
      components: [
        {
          uuid: uuid('component', 'platform'),
          type: 'service',
          title: oneLine(`${bundle.catalog.organisation.name} platform`),
          description:
            'Hosting platform for AI agents and virtual machines: control plane, PostgreSQL database, per-agent servers and tunnels. The control implementations below are those the signed evidence bundle supports.',
          purpose: 'Run customer AI agents and virtual machines in a chosen region with isolation, audit and encryption guarantees.',
          props: [ourProp(ns, 'git-commit', bundle.platform.gitCommit), ourProp(ns, 'schema-version', bundle.platform.schemaVersion)],
          'control-implementations': [...perFramework, ownCatalog],
        },
      ],
      'back-matter': { resources: [catalogRes, ...frameworkResources, resources.bundle, resources.envelope] },
    },
  };
}

function rank(order: string[], id: string): number {
  const i = order.indexOf(id);
  return i === -1 ? order.length : i;
}

/**
 * A criterion is implemented only when every control mapped to it is observed live and
 * at least one of them is equivalent to it; partial when some mapped control is live;
 * planned when none is.
 */
export function criterionState(entries: { observed: Status; relationship: Relationship }[]): 'implemented' | 'partial' | 'planned' {
  const live = entries.filter((e) => e.observed === 'live');
  if (live.length === entries.length && entries.some((e) => e.relationship === 'equivalent')) return 'implemented';
  return live.length ? 'partial' : 'planned';
}
