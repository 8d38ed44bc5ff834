/**
 * OSCAL assessment-plan: what every evidence run assesses and how, so the assessment
 * results can import a real plan (`import-ap`) instead of pointing into the bundle.
 *
 * One activity per check the catalog uses (method TEST: an automated check over facts
 * collected from the running platform), one task (the evidence run) that performs them
 * all, the catalog's controls as the reviewed controls, and the platform as the subject.
 * We publish no system security plan; `import-ssp`, which the model requires, points at
 * the component definition written beside this document, which describes the platform.
 * The plan is derived from the catalog only: two runs over the same catalog give the same
 * plan apart from its timestamps.
 */
import { catalogResource, metadata, oneLine, ourProp, propNamespace, uuidFactory, type OscalContext } from './common.ts';

/** The plan's UUID: the same for every run of one catalog version, so results can name it. */
export function assessmentPlanUuid(ctx: OscalContext): string {
  const { catalog } = ctx.bundle;
  return uuidFactory(ctx.bundle)('assessment-plan', catalog.version, catalog.sha256);
}

export function buildAssessmentPlan(ctx: OscalContext) {
  const { bundle } = ctx;
  const ns = propNamespace(bundle);
  const uuid = uuidFactory(bundle);
  const { catalog } = bundle;
  const catalogRes = catalogResource(ctx, ns, uuid);
  const sspRes = {
    uuid: uuid('resource', 'component-definition', catalog.version),
    title: oneLine(`${catalog.organisation.name} platform: component definition`),
    description: 'No system security plan is published. The platform assessed, and the requirements each control meets, are described by this component definition (written beside this plan).',
    rlinks: [{ href: 'component-definition.json', 'media-type': 'application/json' }],
  };

  // Checks in first-use order over the sorted catalog, so the plan is stable.
  const byCheck = new Map<string, { controls: string[] }>();
  for (const control of catalog.controls) {
    for (const c of control.checks) (byCheck.get(c.check) ?? byCheck.set(c.check, { controls: [] }).get(c.check)!).controls.push(control.id);
  }
  const activities = [...byCheck.entries()].map(([check, { controls }]) => ({
    uuid: uuid('activity', check),
    title: oneLine(`Check ${check}`),
    description: `The automated check \`${check}\` judges facts collected read-only from the running platform (collectors in \`collectors/\`, checks in \`controls/checks/\`). Controls that name it: ${controls.map((c) => `\`${c}\``).join(', ')}.`,
    props: [{ name: 'method', value: 'TEST' }, ourProp(ns, 'check', check)],
    'related-controls': { 'control-selections': [{ 'include-controls': [...new Set(controls)].map((c) => ({ 'control-id': c })) }] },
  }));
  const designed = catalog.controls.filter((c) => c.artifacts.length);
  if (designed.length) {
    activities.push({
      uuid: uuid('activity', 'design-artifacts'),
      title: 'Design artifact lookup',
      description:
        'For every control claimed as designed, the design collector finds the artifacts it names (a Terraform block, a Kubernetes object, a YAML key path, an exported TypeScript symbol) in the repository.',
      props: [{ name: 'method', value: 'EXAMINE' }, ourProp(ns, 'check', 'design_artifact')],
      'related-controls': { 'control-selections': [{ 'include-controls': designed.map((c) => ({ 'control-id': c.id })) }] },
    });
  }
  const subjects = [{ type: 'component', description: 'Every component of the platform described by the imported component definition.', 'include-all': {} }];

  const plan: Record<string, unknown> = {
    uuid: assessmentPlanUuid(ctx),
    metadata: metadata(ctx, ns, uuid, `${catalog.organisation.name} trust evidence: assessment plan for catalog ${catalog.version}`),
    'import-ssp': {
      href: `#${sspRes.uuid}`,
      remarks: 'There is no system security plan; the component definition describes the platform that is assessed.',
    },
    'reviewed-controls': {
      description: `Every control of catalog ${catalog.version}: each names the checks that prove it, and every check runs on every evidence run.`,
      'control-selections': [{ 'include-controls': catalog.controls.map((c) => ({ 'control-id': c.id })) }],
      links: [{ href: `#${catalogRes.uuid}`, rel: 'reference', text: oneLine(catalogRes.title) }],
    },
    'assessment-subjects': subjects,
    'back-matter': { resources: [sspRes, catalogRes] },
  };
  if (activities.length) {
    plan['local-definitions'] = { activities };
    plan.tasks = [
      {
        uuid: uuid('task', 'evidence-run'),
        type: 'action',
        title: 'Evidence run (npx trust check)',
        description: 'Collect facts from the platform without writing to it, run every check, sign the bundle, and publish the results. Runs on every change (CI) and on demand.',
        'associated-activities': activities.map((a) => ({ 'activity-uuid': a.uuid, subjects })),
      },
    ];
  }
  return { 'assessment-plan': plan };
}
