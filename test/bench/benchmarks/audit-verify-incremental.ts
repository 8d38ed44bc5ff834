/**
 * audit-verify-incremental: verifyChain from the latest signed checkpoint (1,000 new
 * events after a checkpoint on 1,000,000) against full verification of the same chain
 * in the same run.
 */
import { measureOne, median, round } from '../measure.ts';
import { auditChain, fullVerificationSamples, verifyInChild } from '../workloads/audit-chain.ts';
import type { Benchmark } from '../types.ts';

export const auditVerifyIncremental: Benchmark = {
  name: 'audit-verify-incremental',
  goal: { kind: '<=', value: 0.02 },
  async run(ctx) {
    const chain = await auditChain(ctx);
    const full = await fullVerificationSamples(ctx, chain);
    const samples = await measureOne(ctx.repeats, async () => {
      const r = await verifyInChild(ctx, chain, 'checkpoint');
      if (!r.result.checkpoint?.signatureValid || !r.result.checkpoint.keyTrusted) throw new Error('the checkpoint signature did not verify with the bench key');
      return r.ms;
    });
    // The reference is the full verification measured above, on the same chain.
    const ours = median(samples);
    const ref = median(full.ours);
    return {
      ours: { value: round(ours, 1), unit: 'ms' },
      reference: { name: `full verification of ${chain.events} events`, value: round(ref, 1), unit: 'ms' },
      ratio: ours / ref,
      details: { newEvents: chain.events - chain.checkpointSeq, checkpointSeq: chain.checkpointSeq, oursSamples: samples.map((x) => round(x, 1)) },
    };
  },
};
