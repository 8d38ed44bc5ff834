/**
 * Writing the run's outputs as one set, published in a single atomic step.
 *
 * Layout of an output directory `<out>` (the paths users know stay as they were):
 *
 *   <out>/.sets/<id>/          one run's complete set (a "generation"), never modified once published
 *   <out>/.current  -> .sets/<id>      the published generation
 *   <out>/.previous -> .sets/<id>      the one it replaced, kept for readers still reading it
 *   <out>/bundle.json -> .current/bundle.json    one symlink per entry (files and oscal/, log/)
 *   <out>/.lock                 the publisher's pid, while it publishes (out-lock.ts)
 *
 * A run writes its whole set into a fresh generation directory, then publishes it by renaming a
 * temporary symlink over `.current`: rename(2) is atomic, so every `<out>/<entry>` switches to
 * the new run at the same instant. A run killed at any step leaves either the previous set (not
 * yet switched) or the new one (switched); what it leaves behind (its unpublished generation,
 * a stale lock) is cleaned up by the next run. `<out>` itself stays a plain directory, so
 * `--out DIR`, `out/bundle.json` and `out/oscal/...` keep working, and the links are relative,
 * so a copy of the whole directory (cp -r, tar) still resolves.
 *
 * Writers: generations are private until published, so concurrent runs only serialise on the
 * publish step, under `<out>/.lock` (created exclusively, holding the pid; taken over when that
 * pid is dead). A run that cannot get the lock within TRUST_OUT_LOCK_WAIT_MS (default 30 s)
 * fails with one line (EnvironmentError, exit 2). The last run to publish wins; each published
 * set is one run's.
 *
 * Readers: each entry switches atomically, but a reader opening bundle.json and then
 * bundle.sig.json could straddle a switch. Readers in this project therefore resolve the
 * generation once (`resolveInSet`: the realpath of the file they were given) and read every
 * sibling from there. The generation a reader resolved survives the next publish (as
 * `.previous`); it is deleted by the one after.
 *
 * Migration: an `<out>` written by an older version holds plain files. The first run copies
 * them (hard links) into a generation of their own, publishes it, then replaces each plain
 * entry with its symlink, which shows the same bytes: a reader sees the old set throughout.
 * Only a directory entry (oscal/, log/) is briefly absent while it is replaced (rename(2)
 * cannot replace a directory with a symlink); a crash there is repaired by the next run.
 */
import {
  copyFileSync,
  existsSync,
  linkSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import type { Stats } from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { EnvironmentError } from '../../platform/kernel/errors.ts';
import { alive, lock } from './out-lock.ts';

const SETS = '.sets';
const CURRENT = '.current';
const PREVIOUS = '.previous';
/** Left by versions before generations: a staging directory whose manifest says it is complete. */
const LEGACY_MANIFEST = '.complete.json';

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

/**
 * The path to read `file` from, and its siblings beside it: inside the generation it belongs to
 * right now. Resolve once, then read every sibling from `path.dirname(result)`, so a run
 * publishing meanwhile cannot mix two sets. A plain file resolves to itself; a missing one is
 * returned unchanged (the caller reports it).
 */
export function resolveInSet(file: string): string {
  try {
    return realpathSync(file);
  } catch {
    return file;
  }
}

function lstatOrNull(p: string): Stats | null {
  try {
    return lstatSync(p);
  } catch {
    return null;
  }
}

function readlinkOrNull(p: string): string | null {
  try {
    return readlinkSync(p);
  } catch {
    return null;
  }
}

/** Points `link` at `target` atomically: a temporary symlink renamed over it. */
function swapLink(link: string, target: string): void {
  const tmp = path.join(path.dirname(link), `.${path.basename(link)}.${process.pid}.tmp`);
  rmSync(tmp, { force: true });
  symlinkSync(target, tmp);
  renameSync(tmp, link);
}

/** Copies a tree by hard links (generations are never written in place, so sharing inodes is safe). */
function cloneTree(from: string, to: string): void {
  const st = lstatSync(from);
  if (st.isDirectory()) {
    mkdirSync(to, { recursive: true });
    for (const e of readdirSync(from)) cloneTree(path.join(from, e), path.join(to, e));
  } else if (st.isSymbolicLink()) {
    symlinkSync(readlinkSync(from), to);
  } else {
    try {
      linkSync(from, to);
    } catch {
      copyFileSync(from, to);
    }
  }
}

/** Visible entries of a generation directory. */
function entriesOf(gen: string): string[] {
  return readdirSync(gen)
    .filter((e) => !e.startsWith('.'))
    .sort();
}

/** The generation `.current` (or `.previous`) points at, as an absolute path, if any. */
function generation(outDir: string, which: string = CURRENT): string | undefined {
  const t = readlinkOrNull(path.join(outDir, which));
  return t === null ? undefined : path.join(outDir, t);
}

/** The published generation of `outDir`, or undefined for a plain or empty directory. */
export function currentGeneration(outDir: string): string | undefined {
  const g = generation(outDir);
  return g && existsSync(g) ? g : undefined;
}

/** When `dir` is an entry of a published set (`out/oscal`): that set's directory and the entry's name. */
export function publishedSetOf(dir: string): { outDir: string; entry: string } | undefined {
  const abs = path.resolve(dir);
  const outDir = path.dirname(abs);
  return readlinkOrNull(path.join(outDir, CURRENT)) === null ? undefined : { outDir, entry: path.basename(abs) };
}

const GEN_PID = /^[0-9a-z]+-(\d+)-/;
/** Generations this process is writing (never pruned, whatever their pid says). */
const open = new Set<string>();

/** Moves into place what a run of the previous (per-entry rename) version left complete. */
function rollForwardLegacy(outDir: string, staging: string): void {
  const manifest = path.join(staging, LEGACY_MANIFEST);
  if (existsSync(manifest)) {
    const { entries } = JSON.parse(readFileSync(manifest, 'utf8')) as { entries: string[] };
    for (const e of entries) {
      const from = path.join(staging, e);
      const to = path.join(outDir, e);
      if (!existsSync(from) || lstatOrNull(to)?.isSymbolicLink()) continue;
      if (statSync(from).isDirectory() && existsSync(to)) rmSync(to, { recursive: true, force: true });
      renameSync(from, to);
    }
  }
  rmSync(staging, { recursive: true, force: true });
}

/** Under the lock: removes what dead runs left (unpublished generations, temp files, old-version staging). */
function cleanUp(outDir: string): void {
  for (const name of readdirSync(outDir)) {
    const full = path.join(outDir, name);
    const legacy = /^\.staging-(\d+)$/.exec(name);
    if (legacy) {
      if (Number(legacy[1]) === process.pid || !alive(Number(legacy[1]))) rollForwardLegacy(outDir, full);
    } else if (/^\.old-\d+-/.test(name) || /\.\d+\.tmp$/.test(name)) {
      const pid = Number(/(\d+)/.exec(name)?.[1]);
      if (pid === process.pid || !alive(pid)) rmSync(full, { recursive: true, force: true });
    }
  }
  const sets = path.join(outDir, SETS);
  if (!existsSync(sets)) return;
  const keep = new Set([generation(outDir, CURRENT), generation(outDir, PREVIOUS)].filter(Boolean));
  for (const name of readdirSync(sets)) {
    const full = path.join(sets, name);
    if (keep.has(full) || open.has(full)) continue;
    const pid = Number(GEN_PID.exec(name)?.[1]);
    if (pid !== process.pid && alive(pid)) continue; // another run still writing it
    rmSync(full, { recursive: true, force: true });
  }
}

/** Under the lock: for each entry about to be published, a link `<out>/<e> -> .current/<e>`; plain entries of an older version are migrated first. */
function linkEntries(outDir: string, entries: string[]): void {
  const plain = entries.filter((e) => {
    const st = lstatOrNull(path.join(outDir, e));
    return st !== null && !st.isSymbolicLink();
  });
  if (plain.length) migrate(outDir, plain);
  for (const e of entries) {
    const link = path.join(outDir, e);
    if (readlinkOrNull(link) !== `${CURRENT}/${e}`) swapLink(link, `${CURRENT}/${e}`);
  }
}

/** Publishes the plain entries (and the current generation's) as a generation, then turns each plain entry into its link: the same bytes stay visible. */
function migrate(outDir: string, plain: string[]): void {
  const gen = path.join(outDir, SETS, `${Date.now().toString(36)}-${process.pid}-legacy`);
  rmSync(gen, { recursive: true, force: true });
  mkdirSync(gen, { recursive: true });
  const cur = currentGeneration(outDir);
  if (cur) for (const e of entriesOf(cur)) if (!plain.includes(e)) cloneTree(path.join(cur, e), path.join(gen, e));
  for (const e of plain) cloneTree(path.join(outDir, e), path.join(gen, e));
  publish(outDir, gen);
  crashPoint('migrated');
  for (const e of plain) {
    const link = path.join(outDir, e);
    if (lstatSync(link).isDirectory()) {
      const aside = path.join(outDir, `.old-${process.pid}-${e}`);
      rmSync(aside, { recursive: true, force: true });
      renameSync(link, aside);
      swapLink(link, `${CURRENT}/${e}`);
      rmSync(aside, { recursive: true, force: true });
    } else {
      swapLink(link, `${CURRENT}/${e}`);
    }
  }
}

/** The atomic step: `.previous` first (so the replaced generation is never pruned early), then `.current`. */
function publish(outDir: string, gen: string): void {
  const rel = path.relative(outDir, gen);
  const cur = readlinkOrNull(path.join(outDir, CURRENT));
  if (cur !== null && cur !== rel) swapLink(path.join(outDir, PREVIOUS), cur);
  crashPoint('previous-recorded');
  swapLink(path.join(outDir, CURRENT), rel);
}

/** Cleans up what crashed runs left in `outDir` (the next run does this itself, under the lock). */
export function recoverOutputs(outDir: string): void {
  if (!existsSync(outDir)) return;
  const release = lock(outDir);
  try {
    cleanUp(outDir);
  } finally {
    release();
  }
}

export interface OutputSetOptions {
  /**
   * The set re-renders some entries only (trust report, trust oscal): every other entry of the
   * published set is carried into the new generation. By default the set is a run's complete output.
   */
  partial?: boolean;
  /** With `partial`: the generation the inputs were read from; publishing refuses when another run published since. */
  basedOn?: string;
}

export class OutputSet {
  /** The generation directory this run writes into (writers such as OSCAL may create files here directly). */
  readonly staging: string;
  private readonly entries = new Set<string>();

  constructor(
    readonly outDir: string,
    private readonly options: OutputSetOptions = {},
  ) {
    mkdirSync(outDir, { recursive: true });
    // Unique per run, with the pid so a later run can tell a dead run's leftovers from a live one's work.
    this.staging = path.join(outDir, SETS, `${Date.now().toString(36)}-${process.pid}-${randomBytes(4).toString('hex')}`);
    mkdirSync(this.staging, { recursive: true });
    open.add(this.staging);
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
    for (const e of entriesOf(this.staging)) this.entries.add(e);
  }

  /** Publishes the set; returns the entries this run wrote. */
  commit(): string[] {
    const entries = [...this.entries].sort();
    // Only what was written or adopted is published.
    for (const e of entriesOf(this.staging)) if (!this.entries.has(e)) rmSync(path.join(this.staging, e), { recursive: true, force: true });
    crashPoint('staged');
    const release = lock(this.outDir);
    try {
      crashPoint('locked');
      cleanUp(this.outDir);
      if (this.options.partial) this.carryOver();
      const all = entriesOf(this.staging);
      linkEntries(this.outDir, all);
      crashPoint('linked');
      publish(this.outDir, this.staging);
      open.delete(this.staging);
      crashPoint('published');
      // Links of entries the new set does not have (e.g. oscal/ when a run skips it) now dangle.
      for (const name of readdirSync(this.outDir)) {
        if (name.startsWith('.') || all.includes(name)) continue;
        if (readlinkOrNull(path.join(this.outDir, name)) === `${CURRENT}/${name}`) unlinkSync(path.join(this.outDir, name));
      }
      crashPoint('unlinked');
      cleanUp(this.outDir);
      crashPoint('pruned');
    } finally {
      release();
    }
    return entries;
  }

  private carryOver(): void {
    const cur = currentGeneration(this.outDir);
    const based = this.options.basedOn;
    if (based && path.basename(path.dirname(based)) === SETS && (!cur || realpathSync(cur) !== realpathSync(based))) {
      throw new EnvironmentError(`${this.outDir}: another run published its outputs while these were rendered from the previous set; run again`);
    }
    // A plain directory of an older version has no generation to carry: its other files stay where they are.
    if (!cur) return;
    for (const e of entriesOf(cur)) if (!this.entries.has(e)) cloneTree(path.join(cur, e), path.join(this.staging, e));
  }

  discard(): void {
    open.delete(this.staging);
    rmSync(this.staging, { recursive: true, force: true });
  }
}
