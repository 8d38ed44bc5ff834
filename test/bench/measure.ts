/** Timing helpers: medians after warm-up, interleaved pairs, timed child processes. */
import { spawn, type SpawnOptions } from 'node:child_process';
import { performance } from 'node:perf_hooks';

export function median(xs: number[]): number {
  if (!xs.length) throw new Error('median of no samples');
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Nearest-rank percentile (p in 0..100). */
export function percentile(xs: number[], p: number): number {
  if (!xs.length) throw new Error('percentile of no samples');
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}

export function round(x: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** Milliseconds taken by fn. */
export async function timeIt(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

export interface PairSamples {
  ours: number[];
  reference: number[];
}

/**
 * Runs ours and the reference alternately (A B A B ...) so a noisy neighbour slows
 * both sides alike, after `warmup` unmeasured rounds. Each function returns its own
 * figure (usually milliseconds, sometimes a time reported by a child process).
 */
export async function measurePair(repeats: { warmup: number; runs: number }, ours: () => Promise<number>, reference: () => Promise<number>): Promise<PairSamples> {
  for (let i = 0; i < repeats.warmup; i++) {
    await ours();
    await reference();
  }
  const out: PairSamples = { ours: [], reference: [] };
  for (let i = 0; i < repeats.runs; i++) {
    // Alternate which side goes first, so neither always runs on a warmer cache.
    if (i % 2 === 0) {
      out.ours.push(await ours());
      out.reference.push(await reference());
    } else {
      out.reference.push(await reference());
      out.ours.push(await ours());
    }
  }
  return out;
}

export interface ChildResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Wall time from spawn to exit, in ms. */
  ms: number;
}

/** Spawns a process and waits for it; never throws on a non-zero exit (the caller decides). */
export function runChild(cmd: string, args: string[], opts: SpawnOptions & { input?: string; timeoutMs?: number } = {}): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(cmd, args, { ...opts, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d) => (stdout += d));
    child.stderr!.on('data', (d) => (stderr += d));
    const timer = opts.timeoutMs ? setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs) : undefined;
    child.on('error', reject);
    child.on('close', (code) => {
      if (timer) clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: performance.now() - t0 });
    });
    child.stdin!.end(opts.input ?? '');
  });
}

/** Like runChild, but a non-zero exit is an error naming the command and its stderr's first lines. */
export async function runChildOk(cmd: string, args: string[], opts: SpawnOptions & { input?: string; timeoutMs?: number } = {}): Promise<ChildResult> {
  const r = await runChild(cmd, args, opts);
  if (r.code !== 0) {
    const tail = (r.stderr || r.stdout).trim().split('\n').slice(-5).join(' | ');
    throw new Error(`${[cmd, ...args].join(' ').slice(0, 200)} exited ${r.code}: ${tail}`);
  }
  return r;
}

/** Samples of one side only (when the reference was measured elsewhere in the same run). */
export async function measureOne(repeats: { warmup: number; runs: number }, fn: () => Promise<number>): Promise<number[]> {
  for (let i = 0; i < repeats.warmup; i++) await fn();
  const out: number[] = [];
  for (let i = 0; i < repeats.runs; i++) out.push(await fn());
  return out;
}
