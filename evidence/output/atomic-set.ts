/**
 * Writing the run's outputs as a set. Everything goes into `<out>/.staging-<pid>/`
 * first; only when all of it is written do we mark the staging directory complete
 * (a manifest written atomically) and rename each entry into place. A run killed
 * before the mark leaves the previous outputs untouched (its staging directory is
 * deleted by the next run); a run killed while renaming is rolled forward by the
 * next run, so a reader never keeps a mix of two runs.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const MANIFEST = '.complete.json';

/** Test hook: `TRUST_TEST_KILL_AFTER=<phase>` kills the process at that point, as a crash would. */
export function crashPoint(phase: string): void {
  if (process.env.TRUST_TEST_KILL_AFTER === phase) process.kill(process.pid, 'SIGKILL');
}

/** Writes a file atomically: temp file in the same directory, then rename. */
export function writeFileAtomic(file: string, data: string | Buffer): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  writeFileSync(tmp, data);
  renameSync(tmp, file);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function moveIntoPlace(staging: string, outDir: string, entry: string): void {
  const from = path.join(staging, entry);
  if (!existsSync(from)) return; // moved before a crash
  const to = path.join(outDir, entry);
  if (statSync(from).isDirectory() && existsSync(to)) {
    // rename() cannot replace a non-empty directory: move the old one aside first.
    const old = path.join(outDir, `.old-${process.pid}-${entry}`);
    rmSync(old, { recursive: true, force: true });
    renameSync(to, old);
    renameSync(from, to);
    rmSync(old, { recursive: true, force: true });
  } else {
    renameSync(from, to);
  }
}

/** Finishes or discards what a crashed run left in `outDir`. */
export function recoverOutputs(outDir: string): void {
  if (!existsSync(outDir)) return;
  for (const name of readdirSync(outDir)) {
    const full = path.join(outDir, name);
    const m = /^\.staging-(\d+)$/.exec(name);
    if (m) {
      const pid = Number(m[1]);
      if (pid !== process.pid && alive(pid)) continue; // another run in progress
      const manifest = path.join(full, MANIFEST);
      if (existsSync(manifest)) {
        const { entries } = JSON.parse(readFileSync(manifest, 'utf8')) as { entries: string[] };
        for (const e of entries) moveIntoPlace(full, outDir, e);
      }
      rmSync(full, { recursive: true, force: true });
    } else if (/^\.old-\d+-/.test(name) || /\.\d+\.tmp$/.test(name)) {
      const pid = Number(/(\d+)/.exec(name)?.[1]);
      if (!alive(pid)) rmSync(full, { recursive: true, force: true });
    }
  }
}

export class OutputSet {
  readonly staging: string;
  private readonly entries = new Set<string>();

  constructor(readonly outDir: string) {
    mkdirSync(outDir, { recursive: true });
    recoverOutputs(outDir);
    this.staging = path.join(outDir, `.staging-${process.pid}`);
    rmSync(this.staging, { recursive: true, force: true });
    mkdirSync(this.staging, { recursive: true });
  }

  write(name: string, data: string | Buffer): string {
    const file = path.join(this.staging, name);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, data);
    this.entries.add(name.split('/')[0]);
    return path.join(this.outDir, name);
  }

  /** Records a top-level entry another writer (OSCAL, the site) created inside `staging`. */
  adopt(entry: string): void {
    if (existsSync(path.join(this.staging, entry))) this.entries.add(entry);
  }

  /** Adopts every top-level entry present in staging (for writers that create their own files). */
  adoptAll(): void {
    for (const e of readdirSync(this.staging)) if (e !== MANIFEST) this.entries.add(e);
  }

  commit(): string[] {
    const entries = [...this.entries].sort();
    writeFileAtomic(path.join(this.staging, MANIFEST), JSON.stringify({ entries }));
    crashPoint('staged');
    entries.forEach((e, i) => {
      moveIntoPlace(this.staging, this.outDir, e);
      if (i === 0) crashPoint('first-rename');
    });
    rmSync(this.staging, { recursive: true, force: true });
    return entries;
  }

  discard(): void {
    rmSync(this.staging, { recursive: true, force: true });
  }
}
