/**
 * audit-verify-full: verifyChain from genesis over 1,000,000 events (streamed binary COPY,
 * each content line rebuilt and hashed) in a child process, against the server merely writing the
 * same table out: `COPY audit_events TO '/dev/null'` as superuser. Peak RSS of our
 * child must stay under 200 MB (memory flat in the number of events).
 */
import { median, round } from '../measure.ts';
import { auditChain, fullVerificationSamples } from '../workloads/audit-chain.ts';
import type { Benchmark } from '../types.ts';

export const PEAK_RSS_LIMIT_MB = 200;

export const auditVerifyFull: Benchmark = {
  name: 'audit-verify-full',
  goal: { kind: '<=', value: 1.25, also: `peak RSS < ${PEAK_RSS_LIMIT_MB} MB` },
  async run(ctx) {
    const chain = await auditChain(ctx);
    const s = await fullVerificationSamples(ctx, chain);
    const ours = median(s.ours);
    const ref = median(s.reference);
    const peak = Math.max(...s.peakRssMb);
    return {
      ours: { value: round(ours, 1), unit: 'ms' },
      reference: { name: "server COPY (SELECT * FROM audit_events) TO '/dev/null'", value: round(ref, 1), unit: 'ms' },
      ratio: ours / ref,
      met: peak < PEAK_RSS_LIMIT_MB ? undefined : false,
      details: { events: chain.events, peakRssMb: round(peak, 1), oursSamples: s.ours.map((x) => round(x, 1)), referenceSamples: s.reference.map((x) => round(x, 1)) },
    };
  },
};
