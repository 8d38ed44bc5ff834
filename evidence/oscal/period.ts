/**
 * OSCAL 1.2.1 assessment-results for an audit period (trust period): one result per gate
 * run in the period, read from the transparency log. Each result names its bundle (SHA-256,
 * log entry) and carries one finding per control the run did not find satisfied; controls
 * without a finding were satisfied in that run (the result's props count them). Nothing is
 * judged here: the states are the engine's (evidence/history/).
 *
 * Deterministic like the rest of the period: v5 UUIDs of the population digest and run
 * digests, and no clock (published and last-modified are the period's judged-until instant).
 */
import { v5 as uuidv5 } from 'uuid';
import type { VerdictRow } from '../tlog/leaves.ts';
import type { LogHistory } from '../history/read.ts';
import type { PeriodReport } from '../history/period.ts';
import { stateOf } from '../history/timeline.ts';
import { OSCAL_VERSION, oneLine } from './common.ts';
import { uuidV5Under } from './uuid-v5.ts';

const NS = 'https://harborcloud.example/ns/trust-evidence';

export function buildPeriodAssessmentResults(h: LogHistory, p: PeriodReport, organisation = 'Harbor Cloud') {
  const v5 = uuidV5Under(uuidv5(`${NS}/period`, uuidv5.URL));
  const uuid = (...parts: string[]) => v5(parts.join('\u001f'));
  const prop = (name: string, value: string) => ({ name, ns: NS, value: oneLine(value) });
  // Values that are one word by construction (digests, numbers, booleans): oneLine would return them as they are.
  const word = (name: string, value: string) => ({ name, ns: NS, value });
  const from = Date.parse(p.period.from);
  const until = Date.parse(p.period.judgedUntil);
  const runs = h.runs.filter((r) => r.t >= from && r.t <= until && r.t < Date.parse(p.period.to));
  // Runs with the same verdicts share their rows (evidence/history/leaf-cache.ts): each set is scanned once.
  const notSatisfied = new Map<ReadonlyMap<string, VerdictRow>, VerdictRow[]>();
  const notSatisfiedIn = (rows: ReadonlyMap<string, VerdictRow>): VerdictRow[] => {
    let l = notSatisfied.get(rows);
    if (!l) notSatisfied.set(rows, (l = [...rows.values()].filter((row) => stateOf(row) === 'failing' || stateOf(row) === 'stale')));
    return l;
  };
  const results = runs.map((r) => {
    const findings = notSatisfiedIn(r.rows).map((row) => ({
      uuid: uuid('finding', r.bundleSha256, String(r.leafIndex), row[0]),
      title: oneLine(`${row[0]}: ${row[3]}`),
      description: oneLine(`Claimed ${row[1]}, observed ${row[2]}, verdict ${row[3]} in the run of ${r.at}.`),
      props: [prop('verdict', row[3]), prop('claimed-status', row[1])],
      target: { type: 'objective-id', 'target-id': row[0], status: { state: 'not-satisfied', reason: row[3] === 'stale' ? 'other' : 'fail' } },
    }));
    const result: Record<string, unknown> = {
      uuid: uuid('result', r.bundleSha256, String(r.leafIndex)),
      title: oneLine(`${r.simulated ? 'Simulated run' : 'Evidence run'} of ${r.at} (bundle ${r.bundleSha256.slice(0, 12)})`),
      description: oneLine(
        `Gate run recorded at entry ${r.leafIndex} of the transparency log (checkpoint size ${p.log.size}); bundle SHA-256 ${r.bundleSha256}, catalog ${r.catalogVersion}.${r.simulated ? ' SIMULATED: backdated by trust demo --history, not observed on a platform.' : ''}`,
      ),
      start: r.at,
      end: r.at,
      props: [
        word('bundle-sha256', r.bundleSha256),
        word('log-entry', String(r.leafIndex)),
        prop('catalog-version', r.catalogVersion),
        word('simulated', String(r.simulated)),
        word('controls', String(r.rows.size)),
        word('not-satisfied', String(findings.length)),
      ],
      // Every control of the run's catalog was evaluated; listing 200 ids in each of 2,000 results would only repeat them.
      'reviewed-controls': { 'control-selections': [{ 'include-all': {} }] },
    };
    if (findings.length) result.findings = findings;
    return result;
  });
  const planUuid = uuid('resource', 'assessment-plan', p.population.sha256);
  return {
    'assessment-results': {
      uuid: uuid('assessment-results', p.population.sha256, p.period.from, p.period.to),
      metadata: {
        title: oneLine(`${organisation} trust evidence: audit period ${p.period.from} to ${p.period.to}`),
        published: p.period.judgedUntil,
        'last-modified': p.period.judgedUntil,
        version: p.population.sha256.slice(0, 12),
        'oscal-version': OSCAL_VERSION,
        props: [
          prop('log-origin', p.log.origin),
          prop('log-size', String(p.log.size)),
          prop('log-root', p.log.root),
          prop('population-sha256', p.population.sha256),
          prop('simulated-runs', String(p.population.simulatedRuns)),
        ],
      },
      'import-ap': { href: `#${planUuid}`, remarks: 'Every control of the catalog in force, evaluated by its checks on every gate run; see period.json.' },
      results: results.length
        ? results
        : [
            {
              uuid: uuid('result', 'empty', p.period.from),
              title: 'No run in the period',
              description: 'The transparency log holds no gate run in this period.',
              start: p.period.from,
              'reviewed-controls': { 'control-selections': [{ 'include-all': {} }] },
            },
          ],
      'back-matter': {
        resources: [
          {
            uuid: planUuid,
            title: 'Audit period report',
            description: 'period.json: per control, evaluations, pass rate, longest gap, exceptions with inclusion proofs, and the reproducible sample.',
            rlinks: [{ href: 'period.json', 'media-type': 'application/json' }],
          },
        ],
      },
    },
  };
}
