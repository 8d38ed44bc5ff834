/**
 * Evidence over time (issue 16):
 * - period-90d: `trust period --from --to --sample 25 --seed 42` (the command as a user runs it:
 *   a fresh process, the whole log verified, period.json, period.pdf and the OSCAL results
 *   written) over 90 days × 24 runs a day × the whole catalog, goal under 2 s. The reference,
 *   measured in the same run on the same log, is `trust log verify` of it: the floor any
 *   period pays, reading and hashing every entry.
 * - site-build-200-history: the site of a 200-control bundle whose transparency log holds 90
 *   days × 24 runs of those controls (every control page then draws its history, and the
 *   feed lists the changes), against the same site built without a log. Goal: at most 10% more.
 * The logs are made by the demo history's own code (evidence/history/simulate.ts), signed by a
 * throwaway key, backdated to end at the bundle's signing time.
 */
import { generateKeyPairSync } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { measurePair, median, round, runChildOk } from '../measure.ts';
import { realCatalog, syntheticBundle } from '../workloads/catalog-bundle.ts';
import { runTsChild } from '../workloads/child.ts';
import type { Benchmark, BenchContext } from '../types.ts';
import type { Catalog } from '../../../controls/types.ts';
import type { SigningKey } from '../../../evidence/bundle/keys.ts';

const END = new Date('2026-11-01T00:00:00Z');
const ORIGIN = 'bench.example/trust-evidence/log';

interface BenchLog {
  dir: string;
  vkey: string;
  key: SigningKey;
  runs: number;
  leaves: number;
}

/** A log of `days` × `perDay` simulated runs of `catalog`'s controls ending at END, signed by a new key. */
async function historyLog(dir: string, catalog: Pick<Catalog, 'controls' | 'version'>, days: number, perDay: number): Promise<BenchLog> {
  const [{ appendSimulatedRuns, planDemoHistory }, { noteSigner, verifierKeyString }, { keyIdOf }, { maxAgeSeconds }] = await Promise.all([
    import('../../../evidence/history/simulate.ts'),
    import('../../../evidence/tlog/note.ts'),
    import('../../../evidence/bundle/keys.ts'),
    import('../../../evidence/freshness.ts'),
  ]);
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const key: SigningKey = {
    privateKey,
    publicKey,
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    keyid: keyIdOf(publicKey),
    development: true,
    source: 'bench (in memory)',
  };
  const plan = planDemoHistory({
    days,
    end: END,
    runsPerDay: perDay,
    catalogVersion: catalog.version,
    controls: catalog.controls.map((c) => ({ id: c.id, claimed: c.status, maxAgeSeconds: maxAgeSeconds(c) })),
  });
  const signer = noteSigner(ORIGIN, privateKey);
  mkdirSync(dir, { recursive: true });
  const r = await appendSimulatedRuns(dir, signer, key, plan.runs);
  return { dir, vkey: verifierKeyString(signer), key, runs: plan.runs.length, leaves: r.size };
}

export const period90d: Benchmark = {
  name: 'period-90d',
  goal: { kind: 'under', value: 2000 },
  async run(ctx) {
    const catalog = await realCatalog(ctx);
    const days = ctx.smoke ? 10 : 90;
    const perDay = ctx.smoke ? 4 : 24;
    const log = await historyLog(path.join(ctx.scratch('period-90d'), 'tlog'), catalog, days, perDay);
    const bin = path.join(ctx.root, 'evidence', 'cli', 'bin.mjs');
    const env = { ...process.env, NODE_OPTIONS: '' };
    const from = new Date(END.getTime() - days * 86_400_000).toISOString().slice(0, 10);
    const to = new Date(END.getTime() - 86_400_000).toISOString().slice(0, 10);
    const out = path.join(path.dirname(log.dir), 'period');
    // A few seconds each: a warm-up and five runs keep the suite in budget.
    const repeats = ctx.smoke ? ctx.repeats : { warmup: 1, runs: 5 };
    const s = await measurePair(
      repeats,
      async () =>
        (await runChildOk(process.execPath, [bin, 'period', '--from', from, '--to', to, '--sample', '25', '--seed', '42', '--out', out, '--dir', log.dir, '--vkey', log.vkey], { cwd: ctx.root, env }))
          .ms,
      async () => (await runChildOk(process.execPath, [bin, 'log', 'verify', log.dir, '--vkey', log.vkey], { cwd: ctx.root, env })).ms,
    );
    const o = median(s.ours);
    const r = median(s.reference);
    return {
      ours: { value: round(o, 0), unit: 'ms' },
      reference: { name: `trust log verify of the same log (${log.leaves} entries)`, value: round(r, 0), unit: 'ms' },
      ratio: o / r,
      details: {
        days,
        runsPerDay: perDay,
        runs: log.runs,
        controls: catalog.controls.length,
        logEntries: log.leaves,
        oursSamples: s.ours.map((x) => round(x, 0)),
        referenceSamples: s.reference.map((x) => round(x, 0)),
      },
    };
  },
};

/** bundle.json, its envelope and key, as the gate writes them, signed with `key` at END. */
async function writeBundle(dir: string, controls: number, ctx: BenchContext, key: SigningKey): Promise<string> {
  const [{ serializeBundle }, { signBundle, serializeEnvelope }] = await Promise.all([import('../../../evidence/bundle/build.ts'), import('../../../evidence/bundle/dsse.ts')]);
  const bundle = syntheticBundle(controls, await realCatalog(ctx));
  mkdirSync(dir, { recursive: true });
  const bytes = serializeBundle(bundle);
  writeFileSync(path.join(dir, 'bundle.json'), bytes);
  writeFileSync(path.join(dir, 'bundle.sig.json'), serializeEnvelope(signBundle(bytes, key, { signedAt: END, catalogVersion: bundle.catalog.version })));
  writeFileSync(path.join(dir, 'bundle.pub.pem'), key.publicKeyPem);
  return path.join(dir, 'bundle.json');
}

export const siteBuild200History: Benchmark = {
  name: 'site-build-200-history',
  goal: { kind: '<=', value: 1.1 },
  async run(ctx) {
    const controls = ctx.smoke ? 90 : 200;
    const days = ctx.smoke ? 10 : 90;
    const perDay = ctx.smoke ? 4 : 24;
    const dir = ctx.scratch('site-200-history');
    const bundle = syntheticBundle(controls, await realCatalog(ctx));
    const log = await historyLog(path.join(dir, 'tlog'), { version: bundle.catalog.version, controls: bundle.catalog.controls }, days, perDay);
    // With history: the set carries the run's receipt (log/checkpoint), the site publishes the log
    // from TRUST_LOG_DIR and every control page draws its history. Without: the same bundle, no log.
    const withDir = path.join(dir, 'with-history');
    const withoutDir = path.join(dir, 'without-history');
    const withBundle = await writeBundle(withDir, controls, ctx, log.key);
    const withoutBundle = await writeBundle(withoutDir, controls, ctx, log.key);
    mkdirSync(path.join(withDir, 'log'), { recursive: true });
    copyFileSync(path.join(log.dir, 'checkpoint'), path.join(withDir, 'log', 'checkpoint'));
    const script = 'test/bench/child/site-build.mjs';
    const env = { ASTRO_TELEMETRY_DISABLED: '1', TRUST_LOG_DIR: log.dir };
    const repeats = ctx.smoke ? ctx.repeats : { warmup: 1, runs: 3 };
    const s = await measurePair(
      repeats,
      async () => (await runTsChild<{ ms: number }>(ctx.root, script, ['ours', withBundle, path.join(dir, 'dist-with')], env)).ms,
      async () => (await runTsChild<{ ms: number }>(ctx.root, script, ['ours', withoutBundle, path.join(dir, 'dist-without')], env)).ms,
    );
    // What was measured is what it says: every live control page of the first site draws its history, none of the second.
    const live = bundle.catalog.controls.filter((c) => c.status === 'live').map((c) => c.id);
    const drawn = (site: string) => live.filter((id) => readFileSync(path.join(dir, site, 'controls', id, 'index.html'), 'utf8').includes('<svg class="timeline"')).length;
    if (drawn('dist-with') !== live.length || drawn('dist-without') !== 0)
      throw new Error(`the site with history drew ${drawn('dist-with')} of ${live.length} timelines, the one without ${drawn('dist-without')}`);
    const o = median(s.ours);
    const r = median(s.reference);
    return {
      ours: { value: round(o, 0), unit: 'ms' },
      reference: { name: `the same ${controls}-control site without a log (no history)`, value: round(r, 0), unit: 'ms' },
      ratio: o / r,
      details: { controls, days, runsPerDay: perDay, runs: log.runs, logEntries: log.leaves, oursSamples: s.ours.map((x) => round(x, 0)), referenceSamples: s.reference.map((x) => round(x, 0)) },
    };
  },
};
