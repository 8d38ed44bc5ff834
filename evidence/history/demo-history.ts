/**
 * `trust demo --history 90d`: writes a backdated, signed, SIMULATED history into the
 * transparency log (evidence/history/simulate.ts says how it is marked), ending just
 * before the log's first real run (or now), so `trust history`, `trust period` and the
 * site have 90 days to show. It never touches the database. A log that already holds a
 * simulated history is left as it is: running the demo twice does not double it.
 */
import { InputError } from '../../platform/kernel/errors.ts';
import { loadSigningKey } from '../bundle/keys.ts';
import { maxAgeSeconds } from '../freshness.ts';
import { loadCatalogFrom } from '../pipeline.ts';
import { logDir, logSigner, logVerifiers } from '../tlog/config.ts';
import { readCheckpoint } from '../tlog/log.ts';
import { readHistory } from './read.ts';
import { appendSimulatedRuns, planDemoHistory } from './simulate.ts';

export function parseHistoryDays(text: string): number {
  const m = /^([1-9][0-9]{0,3})d$/.exec(text);
  if (!m || Number(m[1]) > 3650) throw new InputError(`--history ${JSON.stringify(text)}: expected a number of days such as 90d (at most 3650d)`);
  return Number(m[1]);
}

export async function writeDemoHistory(root: string, days: number, log: (m: string) => void): Promise<number> {
  const catalog = await loadCatalogFrom(root);
  const dir = logDir(root);
  const verifiers = logVerifiers(root, undefined, () => {});
  const existing = readCheckpoint(dir, verifiers) ? readHistory(dir, verifiers) : null;
  const simulated = existing?.runs.filter((r) => r.simulated).length ?? 0;
  if (simulated) {
    log(`transparency log ${dir} already holds a simulated history (${simulated} runs): nothing appended`);
    return 0;
  }
  // End just before the first real run, so the real runs continue the simulated ones.
  const firstReal = existing?.runs[0]?.t;
  const end = new Date(Math.floor((firstReal ?? Date.now()) / 1000) * 1000 - 60_000);
  const plan = planDemoHistory({
    days,
    end,
    catalogVersion: catalog.version,
    controls: catalog.controls.map((c) => ({ id: c.id, claimed: c.status, maxAgeSeconds: maxAgeSeconds(c) })),
  });
  const key = loadSigningKey(root, () => {});
  const r = await appendSimulatedRuns(
    dir,
    logSigner(root, () => {}),
    key,
    plan.runs,
  );
  log(`SIMULATED history: ${plan.runs.length} backdated, signed runs over ${days} days ending ${end.toISOString()} appended to ${dir} (entries ${r.firstIndex}..${r.size - 1})`);
  if (plan.silentDays.length) log(`  no runs on days ${plan.silentDays.join(', ')} (the monitor was down)`);
  if (plan.regressed) log(`  ${plan.regressed} regressed on day ${plan.regressionDay} for six hours, then was fixed`);
  log('  every such run is marked simulated in the log, in trust history, trust period and on the site');
  return plan.runs.length;
}
