/**
 * gate-replica: `trust check` with its reader on a streaming physical replica against
 * `trust check` on the primary, in the same run, on the same data. Goal: the same verdict for
 * every control, and at most 1.2x the primary's time.
 *
 * A private PostgreSQL 15 primary (initdb in a temporary directory) and a hot standby
 * streaming from it on loopback (test/bench/replica.ts); the standby is made first, then
 * `trust demo --scale 10 --bulk` (100 accounts, 1,000 agents, about 100,000 audit events)
 * fills the primary and streams to it. A signed checkpoint at the head, as the nightly job
 * leaves it; the replica has replayed everything (pg_current_wal_lsn against
 * pg_last_wal_replay_lsn) before anything is timed. The gate from the replica runs as the
 * README says to point it there: TRUST_READER_URL on the standby, TRUST_RUNTIME_URL (the
 * enforcement probes, which a standby would refuse) on the primary. Both sides are timed from
 * spawn to exit, alternately, with their own output directory and one transparency log
 * directory of the run's own.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { measurePair, median, round, runChild } from '../measure.ts';
import { adminQuery, startPg15Cluster, withDatabase } from '../servers.ts';
import { startStreamingReplica } from '../replica.ts';
import { buildBulkDemo, checkpointAtHead } from './gate-scale.ts';
import type { Benchmark } from '../types.ts';

const SCALE = 10;

export const gateReplica: Benchmark = {
  name: 'gate-replica',
  goal: { kind: '<=', value: 1.2, also: 'verdicts equal' },
  async run(ctx) {
    const scale = ctx.smoke ? 0 : SCALE;
    const primary = await startPg15Cluster();
    let replica: Awaited<ReturnType<typeof startStreamingReplica>> | undefined;
    try {
      await adminQuery(primary.adminUrl, 'CREATE DATABASE trust');
      const url = withDatabase(primary.adminUrl, 'trust');
      replica = await startStreamingReplica(primary.adminUrl, ctx.log);
      const cli = path.join(ctx.root, 'evidence', 'cli', 'bin.mjs');
      const [{ openDatabase }, { roleUrl }] = await Promise.all([import('../../../platform/db/index.ts'), import('../../../platform/db/roles.ts')]);
      let buildSeconds = 0;
      if (scale) {
        ctx.log(`bench: trust demo --scale ${scale} --bulk on the primary (PostgreSQL 15), streaming to the replica`);
        buildSeconds = await buildBulkDemo(ctx, url, scale);
      } else {
        // The smoke run proves the path on an empty migrated platform.
        const { migrate } = await import('../../../platform/db/migrate.ts');
        const db = await openDatabase({ adminUrl: url });
        try {
          await migrate(db);
        } finally {
          await db.close();
        }
      }
      const events = await checkpointAtHead(url);
      const lag = await replica.caughtUp();
      ctx.log(`bench: the replica replayed up to ${lag.lsn} (waited ${lag.ms} ms)`);

      const logDir = ctx.scratch('gate-replica-log');
      const base: NodeJS.ProcessEnv = { ...process.env, TRUST_LOG_DIR: logDir };
      for (const k of ['DATABASE_URL', 'TRUST_READER_URL', 'TRUST_RUNTIME_URL']) delete base[k];
      const sides = {
        replica: { env: { ...base, TRUST_READER_URL: replica.onReplica(roleUrl(url, 'reader')), TRUST_RUNTIME_URL: roleUrl(url, 'app') }, out: ctx.scratch('gate-replica-standby') },
        primary: { env: { ...base, DATABASE_URL: url }, out: ctx.scratch('gate-replica-primary') },
      };
      const codes: Record<string, number[]> = { replica: [], primary: [] };
      const gate = (side: keyof typeof sides) => async () => {
        const r = await runChild(process.execPath, [cli, 'check', '--out', sides[side].out], { cwd: ctx.root, env: sides[side].env, timeoutMs: 600_000 });
        // 0 holds, 1 a claim does not hold: both are answers; 2 is a broken run.
        if (r.code !== 0 && r.code !== 1) {
          const lines = r.stderr.trim().split('\n');
          throw new Error(`trust check on the ${side} exited ${r.code}: ${lines.find((l) => l.startsWith('trust ')) ?? lines[0]}`);
        }
        codes[side].push(r.code);
        return r.ms;
      };
      // The warm-up's first run starts the witness in the run's log; every timed run finds it.
      const s = await measurePair(ctx.smoke ? ctx.repeats : { warmup: 1, runs: 5 }, gate('replica'), gate('primary'));
      const verdicts = (side: keyof typeof sides) => {
        const bundle = JSON.parse(readFileSync(path.join(sides[side].out, 'bundle.json'), 'utf8')) as {
          evaluations: { control: string; verdict: string }[];
          platform: { environment?: { server?: string } };
        };
        return { server: bundle.platform.environment?.server, verdicts: Object.fromEntries(bundle.evaluations.map((e) => [e.control, e.verdict])) };
      };
      const [r, p] = [verdicts('replica'), verdicts('primary')];
      if (r.server !== `127.0.0.1:${replica.port}`) throw new Error(`the replica's gate read ${r.server}, not the replica`);
      const differing = [...new Set([...Object.keys(r.verdicts), ...Object.keys(p.verdicts)])].filter((c) => r.verdicts[c] !== p.verdicts[c]).sort();
      const ours = median(s.ours);
      const ref = median(s.reference);
      return {
        ours: { value: round(ours, 0), unit: 'ms' },
        reference: { name: `trust check on the primary (PostgreSQL 15, DATABASE_URL)`, value: round(ref, 0), unit: 'ms' },
        ratio: round(ours, 0) / round(ref, 0),
        met: differing.length ? false : undefined,
        details: {
          scale,
          auditEvents: events,
          controls: Object.keys(p.verdicts).length,
          verdictsEqual: differing.length === 0,
          ...(differing.length ? { differing: differing.map((c) => `${c}: replica ${r.verdicts[c]}, primary ${p.verdicts[c]}`) } : {}),
          exitCodes: codes,
          demoBuildSeconds: round(buildSeconds, 1),
          replayWaitMs: lag.ms,
          oursSamples: s.ours.map((x) => round(x, 0)),
          referenceSamples: s.reference.map((x) => round(x, 0)),
        },
      };
    } finally {
      await replica?.stop();
      await primary.stop();
    }
  },
};
