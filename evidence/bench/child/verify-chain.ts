/**
 * Child process for the audit verification benchmarks: runs verifyChain once and
 * prints { ms, peakRssMb, result } as its last stdout line. A separate process, so
 * its peak resident memory is ours alone and the figure proves memory stays flat.
 *
 * Usage: node --import tsx evidence/bench/child/verify-chain.ts <reader-url> <genesis|checkpoint> [trusted public key PEM in env BENCH_TRUSTED_KEY]
 */
import pg from 'pg';
import { createPublicKey } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { verifyChain } from '../../../platform/audit/verify.ts';

const [url, from] = process.argv.slice(2);
const trusted = process.env.BENCH_TRUSTED_KEY ? [createPublicKey(process.env.BENCH_TRUSTED_KEY)] : [];
const client = new pg.Client({ connectionString: url });
await client.connect();
try {
  const t0 = performance.now();
  const result = await verifyChain(client, { from: from === 'checkpoint' ? 'checkpoint' : 'genesis', trustedKeys: trusted, ownTransaction: true });
  const ms = performance.now() - t0;
  const peakRssMb = process.resourceUsage().maxRSS / 1024;
  process.stdout.write(JSON.stringify({ ms, peakRssMb, result }) + '\n');
} finally {
  await client.end();
}
