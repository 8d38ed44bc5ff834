/**
 * OSCAL assessment-results: one document per evidence run.
 *
 * Every check run is an observation (method TEST) that links to the bundle parts
 * whose facts it read; a designed control's artifact lookup is an observation with
 * method EXAMINE. The observations of a control roll up into one finding whose
 * target status is `satisfied` only when the evidence supports the control as live.
 * No status is computed here: the engine's evaluation is only translated.
 */
import type { Bundle, ControlEvaluation } from '../types.ts';
import { bundleResources, catalogResource, controlEvaluation, implementationState, metadata, oneLine, ourProp, propNamespace, uuidFactory, type OscalContext, type Prop } from './common.ts';
import { assessmentPlanUuid } from './assessment-plan.ts';

type Check = ControlEvaluation['checks'][number];

export function buildAssessmentResults(ctx: OscalContext) {
  const { bundle } = ctx;
  const ns = propNamespace(bundle);
  const uuid = uuidFactory(bundle);
  const run = ctx.bundleSha256;
  const resources = bundleResources(ctx, uuid);
  const catalogRes = catalogResource(ctx, ns, uuid);
  const planUuid = uuid('resource', 'assessment-plan', bundle.catalog.version, bundle.catalog.sha256);
  const platformUuid = uuid('component', 'platform');
  const toolUuid = uuid('component', 'trust-evidence');

  const observations: Record<string, unknown>[] = [];
  const findings: Record<string, unknown>[] = [];
  for (const control of bundle.catalog.controls) {
    const evaluation = controlEvaluation(bundle, control.id);
    const related: string[] = [];
    evaluation.checks.forEach((check, index) => {
      const observationUuid = uuid('observation', run, control.id, String(index), check.check);
      related.push(observationUuid);
      observations.push(checkObservation(ctx, ns, observationUuid, control.id, check, { platformUuid, toolUuid }));
    });
    if (evaluation.artifacts.length) {
      const observationUuid = uuid('observation', run, control.id, 'artifacts');
      related.push(observationUuid);
      observations.push(artifactObservation(ctx, ns, observationUuid, control.id, evaluation, { platformUuid, toolUuid }));
    }
    findings.push(controlFinding(ns, uuid('finding', run, control.id), control, evaluation, related));
  }

  const result: Record<string, unknown> = {
    uuid: uuid('result', run),
    title: oneLine(`Automated evidence run over bundle ${run.slice(0, 12)}`),
    description: [
      `Every control of catalog ${bundle.catalog.version} evaluated by its checks against facts collected from the running platform.`,
      `Evidence: bundle.json with SHA-256 \`${run}\`; the signing time is this result's start.`,
    ].join('\n\n'),
    start: ctx.signedAt,
    end: ctx.signedAt,
    props: [
      ourProp(ns, 'controls', String(bundle.summary.controls)),
      ourProp(ns, 'regressions', String(bundle.summary.regressions)),
      ourProp(ns, 'unsupported', String(bundle.summary.unsupported)),
      ourProp(ns, 'ready-to-promote', String(bundle.summary.readyToPromote)),
    ],
    'local-definitions': {
      components: [
        {
          uuid: platformUuid,
          type: 'service',
          title: oneLine(`${bundle.catalog.organisation.name} platform`),
          description: 'Control plane and database of the hosting platform for AI agents and virtual machines: the subject of every check.',
          props: [ourProp(ns, 'git-commit', bundle.platform.gitCommit), ourProp(ns, 'schema-version', bundle.platform.schemaVersion), ourProp(ns, 'postgres-version', bundle.platform.postgresVersion)],
          status: { state: 'operational' },
        },
        {
          uuid: toolUuid,
          type: 'software',
          title: 'trust-evidence',
          description: 'Collectors that read the platform without writing to it, and pure checks that judge the collected facts.',
          status: { state: 'operational' },
        },
      ],
    },
    'reviewed-controls': {
      'control-selections': [
        {
          'include-controls': bundle.catalog.controls.map((c) => ({ 'control-id': c.id })),
        },
      ],
      links: [{ href: `#${catalogRes.uuid}`, rel: 'reference', text: oneLine(catalogRes.title) }],
    },
  };
  if (observations.length) result.observations = observations;
  if (findings.length) result.findings = findings;

  return {
    'assessment-results': {
      uuid: uuid('assessment-results', run),
      metadata: metadata(ctx, ns, uuid, `${bundle.catalog.organisation.name} trust evidence: assessment results`),
      'import-ap': {
        href: `#${planUuid}`,
        remarks: "The assessment plan written beside these results (assessment-plan.json): one activity per check, the catalog's controls as the reviewed controls.",
      },
      results: [result],
      'back-matter': {
        resources: [
          {
            uuid: planUuid,
            title: oneLine(`Assessment plan: controls catalog ${bundle.catalog.version} and its checks`),
            description: 'The OSCAL assessment plan of this run: each control of the catalog lists the automated checks that prove it; every check runs on every evidence run.',
            props: [ourProp(ns, 'assessment-plan-uuid', assessmentPlanUuid(ctx))],
            rlinks: [{ href: 'assessment-plan.json', 'media-type': 'application/json' }],
          },
          catalogRes,
          resources.bundle,
          resources.envelope,
        ],
      },
    },
  };
}

interface Actors {
  platformUuid: string;
  toolUuid: string;
}

function commonObservation(ctx: OscalContext, uuid: string, actors: Actors) {
  return {
    origins: [{ actors: [{ type: 'tool', 'actor-uuid': actors.toolUuid }] }],
    subjects: [{ 'subject-uuid': actors.platformUuid, type: 'component' }],
    collected: ctx.signedAt,
    uuid,
  };
}

function checkObservation(ctx: OscalContext, ns: string, uuid: string, control: string, check: Check, actors: Actors) {
  const { bundle } = ctx;
  const base = commonObservation(ctx, uuid, actors);
  const props: Prop[] = [
    ourProp(ns, 'control-id', control),
    ourProp(ns, 'check', check.check),
    ourProp(ns, 'check-status', check.status),
    ourProp(ns, 'check-params', JSON.stringify(sortKeys(check.params))),
  ];
  const evidence = check.collectors.map((collector) => relevantEvidence(ctx, ns, bundle, collector));
  const lines = check.findings.map((f) => {
    const where = f.origin.file ? `${f.origin.resource} (${f.origin.file}${f.origin.line ? `:${f.origin.line}` : ''})` : f.origin.resource;
    return `- **${f.status}** ${f.reason.trim()} Origin: \`${where}\`.${f.observed ? ` Observed: ${f.observed.trim()}` : ''}`;
  });
  return {
    uuid: base.uuid,
    title: oneLine(`Check ${check.check} for control ${control}: ${check.status}`),
    description: [`Check \`${check.check}\` evaluated the collected facts for control \`${control}\` and reported **${check.status}**.`, ...lines].join('\n\n'),
    props,
    methods: ['TEST'],
    types: ['control-objective'],
    origins: base.origins,
    subjects: base.subjects,
    ...(evidence.length ? { 'relevant-evidence': evidence } : {}),
    collected: base.collected,
  };
}

function artifactObservation(ctx: OscalContext, ns: string, uuid: string, control: string, evaluation: ControlEvaluation, actors: Actors) {
  const base = commonObservation(ctx, uuid, actors);
  const found = evaluation.artifacts.filter((a) => a.found).length;
  const lines = evaluation.artifacts.map((a) => {
    const name = [a.file, a.symbol ? `#${a.symbol}` : '', a.resource ? ` ${a.resource}` : ''].join('');
    return `- ${a.found ? 'found' : '**missing**'}: \`${name}\`${a.line ? ` (line ${a.line})` : ''}`;
  });
  const design = ctx.bundle.parts.design;
  return {
    uuid: base.uuid,
    title: oneLine(`Design artifacts for control ${control}: ${found} of ${evaluation.artifacts.length} found`),
    description: [`The design artifacts that control \`${control}\` names were looked up in the repository.`, ...lines].join('\n\n'),
    props: [ourProp(ns, 'control-id', control), ourProp(ns, 'artifacts-found', `${found}/${evaluation.artifacts.length}`)],
    methods: ['EXAMINE'],
    types: ['control-objective'],
    origins: base.origins,
    subjects: base.subjects,
    ...(design ? { 'relevant-evidence': [relevantEvidence(ctx, ns, ctx.bundle, 'design')] } : {}),
    collected: base.collected,
  };
}

/** A link to the bundle part whose facts a check read, with that part's SHA-256. */
function relevantEvidence(ctx: OscalContext, ns: string, bundle: Bundle, collector: string) {
  const part = bundle.parts[collector];
  if (!part) {
    return {
      description: `Collector \`${collector}\` produced no facts in this bundle, so the check could not read them.`,
      props: [ourProp(ns, 'collector', collector)],
    };
  }
  return {
    href: `${ctx.bundleHref}#/parts/${encodeURIComponent(collector)}`,
    description: `Facts from collector \`${collector}\` version ${part.version}; SHA-256 of their canonical JSON: \`${part.sha256}\`.`,
    props: [ourProp(ns, 'collector', collector), ourProp(ns, 'collector-version', part.version), ourProp(ns, 'part-sha256', part.sha256)],
  };
}

function controlFinding(ns: string, uuid: string, control: Bundle['catalog']['controls'][number], evaluation: ControlEvaluation, related: string[]) {
  // A stale claim was live when its evidence was read, but that evidence is too old to say so now (evidence/freshness.ts).
  const satisfied = evaluation.observed === 'live' && evaluation.verdict !== 'stale';
  const failing = evaluation.checks.some((c) => c.status !== 'pass');
  // pass/fail when checks decided it; other when nothing was tested (roadmap, designed without checks).
  const reason = satisfied ? 'pass' : failing ? 'fail' : 'other';
  const problems = evaluation.findings.map(
    (f) => `- \`${f.check}\` **${f.status}**: ${f.reason.trim()} (\`${f.origin.resource}\`${f.origin.file ? `, ${f.origin.file}${f.origin.line ? `:${f.origin.line}` : ''}` : ''})`,
  );
  const finding: Record<string, unknown> = {
    uuid,
    title: oneLine(control.title),
    description: control.statement.trim(),
    props: [
      ourProp(ns, 'claimed-status', evaluation.claimed),
      ourProp(ns, 'observed-status', evaluation.observed),
      ourProp(ns, 'verdict', evaluation.verdict),
      ourProp(ns, 'category', control.category),
    ],
    target: {
      type: 'objective-id',
      'target-id': control.id,
      title: oneLine(control.title),
      status: { state: satisfied ? 'satisfied' : 'not-satisfied', reason },
      'implementation-status': { state: implementationState(evaluation.observed) },
      ...(problems.length ? { remarks: problems.join('\n') } : {}),
    },
  };
  if (related.length) finding['related-observations'] = related.map((u) => ({ 'observation-uuid': u }));
  finding.remarks = `Claimed ${evaluation.claimed}, observed ${evaluation.observed}: verdict ${evaluation.verdict}.${control.target ? ` Roadmap target: ${control.target}.` : ''}`;
  return finding;
}

/** Parameters as stable JSON: objects with sorted keys so the prop value never depends on authoring order. */
function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}
