/**
 * Child process for the audit verification benchmarks: runs verifyChain once, as
 * `trust audit verify` does (compiled bundle, one worker thread per further core), and
 * prints { ms, peakRssMb, result } as its last stdout line. A separate process, so its
 * peak resident memory is ours alone and the figure proves memory stays flat.
 *
 * Usage: node test/bench/child/verify-chain.mjs <reader-url> <genesis|checkpoint> [trusted public key PEM in env BENCH_TRUSTED_KEY]
 */
import os from 'node:os';
import { createPublicKey } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { importBundled } from '../../../evidence/cli/bundle.mjs';

const [url, from] = process.argv.slice(2);
const bundled = await importBundled('audit-verify');
if (!bundled) throw new Error('the CLI bundle could not be built (see evidence/cli/bundle.mjs)');
const { verifyChain } = bundled;
const trusted = process.env.BENCH_TRUSTED_KEY ? [createPublicKey(process.env.BENCH_TRUSTED_KEY)] : [];
const client = new pg.Client({ connectionString: url });
await client.connect();
try {
  const t0 = performance.now();
  const result = await verifyChain(client, {
    from: from === 'checkpoint' ? 'checkpoint' : 'genesis',
    trustedKeys: trusted,
    ownTransaction: true,
    workers: { connectionString: url, count: os.availableParallelism() - 1 },
  });
  const ms = performance.now() - t0;
  const peakRssMb = process.resourceUsage().maxRSS / 1024;
  process.stdout.write(JSON.stringify({ ms, peakRssMb, result }) + '\n');
} finally {
  await client.end();
}
