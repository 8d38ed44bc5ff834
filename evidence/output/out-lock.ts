/**
 * `<out>/.lock`, taken by a run publishing its outputs (atomic-set.ts): created exclusively,
 * holding the pid; taken over when that pid is dead. A run that cannot get it within
 * TRUST_OUT_LOCK_WAIT_MS (default 30 s) fails with one line (EnvironmentError, exit 2).
 */
import { linkSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { EnvironmentError } from '../../platform/kernel/errors.ts';

const LOCK = '.lock';

/** Whether a process with this pid runs (EPERM: it does, under another user). */
export function alive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function sleepMs(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** `<out>/.lock`: exclusive, holding the pid; taken over when the holder is dead. Returns the release. */
export function lock(outDir: string): () => void {
  const file = path.join(outDir, LOCK);
  const mine = `${process.pid} ${randomBytes(6).toString('hex')}\n`;
  const tmp = path.join(outDir, `.lock.${process.pid}.tmp`);
  writeFileSync(tmp, mine);
  const waitMs = Number(process.env.TRUST_OUT_LOCK_WAIT_MS ?? 30_000);
  const deadline = Date.now() + (Number.isFinite(waitMs) ? waitMs : 30_000);
  try {
    for (;;) {
      try {
        linkSync(tmp, file); // fails with EEXIST while held: an exclusive create with the content in place
        return () => {
          if (readFileOrEmpty(file) === mine) rmSync(file, { force: true });
        };
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      }
      const held = readFileOrEmpty(file);
      const pid = Number(held.split(' ')[0]);
      // Our own pid in a lock we do not hold is a dead run's (pids repeat across containers).
      if (held && (pid === process.pid || !alive(pid))) {
        takeOver(outDir, file, held, tmp);
        continue;
      }
      if (Date.now() >= deadline) {
        throw new EnvironmentError(
          `${outDir}: another trust run (pid ${pid || 'unknown'}) is publishing its outputs there (${LOCK}); waited ${Math.round(Math.max(0, waitMs) / 1000)} s, run again or use another --out`,
        );
      }
      sleepMs(25);
    }
  } finally {
    rmSync(tmp, { force: true });
  }
}

function readFileOrEmpty(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

/** Removes a dead holder's lock; a second exclusive file keeps two takers from removing each other's fresh lock. */
function takeOver(outDir: string, file: string, stale: string, tmp: string): void {
  const guard = path.join(outDir, '.lock.takeover');
  try {
    linkSync(tmp, guard);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    const g = Number(readFileOrEmpty(guard).split(' ')[0]);
    if (g !== process.pid && alive(g)) sleepMs(10);
    else rmSync(guard, { force: true }); // its taker died mid-takeover
    return;
  }
  try {
    if (readFileOrEmpty(file) === stale) rmSync(file, { force: true });
  } finally {
    rmSync(guard, { force: true });
  }
}
