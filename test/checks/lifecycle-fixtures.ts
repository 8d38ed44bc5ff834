/**
 * Lifecycle facts for the lifecycle data checks: a clean platform (counts, no problem) and
 * problems, rows that disagree with the chained events witnessing them. A field may have
 * more problems than the collector lists (`total`).
 */
import type { LifecycleFacts, LifecycleProblem } from '../../collectors/lifecycle.ts';

export const A = '3f2a1b2c-0000-4000-8000-000000000001';
export const ACC = '9a9a9a9a-0000-4000-8000-000000000002';
const counts: LifecycleFacts['counts'] = {
  agents: 90,
  vms: 10,
  historySubjects: 16,
  periods: 1600,
  usageRows: 900,
  openPeriods: 90,
  providerServerOps: 200,
  agentSecrets: 270,
  destroyedAgents: 10,
  transferredAgents: 6,
  transfers: 6,
  transferredPeriods: 600,
  envUnwitnessed: 0,
};

export const lifecycle = (problems: LifecycleProblem[] = [], total?: Record<string, number>): { lifecycle: LifecycleFacts } => {
  const byField = new Map<string, number>();
  for (const p of problems) byField.set(p.field, (byField.get(p.field) ?? 0) + 1);
  for (const [k, v] of Object.entries(total ?? {})) byField.set(k, v);
  return { lifecycle: { counts, problems, problemCounts: [...byField].map(([field, count]) => ({ field, count })) } };
};

export const problem = (p: Partial<LifecycleProblem> & Pick<LifecycleProblem, 'field' | 'table'>): LifecycleProblem => ({ id: A, ref: null, actual: null, witness: null, seq: null, ...p });
