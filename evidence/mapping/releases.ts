/**
 * Released mapping snapshots (controls/releases/<version>.json, committed) and the
 * changelog derived from them: each released version diffed against the one
 * before, plus the current run when its catalog is not (or no longer) released.
 */
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { InputError } from '../../platform/kernel/errors.ts';
import { diffMappings, type Change } from './diff.ts';
import { MappingFileSchema, type MappingFile } from './mapping.ts';

export function releasesDir(root: string): string {
  return path.join(root, 'controls', 'releases');
}

export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < 3; i++) if (pa[i] !== pb[i]) return (pa[i] ?? 0) - (pb[i] ?? 0);
  return 0;
}

export function readMappingFile(file: string): MappingFile {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new InputError(`${file}: not a readable mapping file (${(e as Error).message.split('\n')[0]})`);
  }
  const parsed = MappingFileSchema.safeParse(json);
  if (!parsed.success) {
    const i = parsed.error.issues[0];
    throw new InputError(`${file}: /${i.path.map(String).join('/')}: ${i.message} (expected a trust-controls-mapping/1 file)`);
  }
  return parsed.data;
}

/** Released snapshots sorted by version. */
export function readReleases(root: string): MappingFile[] {
  const dir = releasesDir(root);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => /^\d+\.\d+\.\d+\.json$/.test(f))
    .map((f) => {
      const m = readMappingFile(path.join(dir, f));
      if (`${m.catalogVersion}.json` !== f) throw new InputError(`${path.join(dir, f)}: names catalog version ${m.catalogVersion}, file name says ${f.replace(/\.json$/, '')}`);
      return m;
    })
    .sort((a, b) => compareVersions(a.catalogVersion, b.catalogVersion));
}

export interface ChangelogEntry {
  version: string;
  catalogSha256: string;
  /** True for the current run when its catalog content is not a released snapshot. */
  unreleased: boolean;
  changes: Change[];
}
export interface Changelog {
  versions: ChangelogEntry[];
}

/** Newest first, as readers expect. */
export function buildChangelog(releases: MappingFile[], current: MappingFile): Changelog {
  const entries: ChangelogEntry[] = [];
  let prev: MappingFile | null = null;
  for (const r of releases) {
    entries.push({ version: r.catalogVersion, catalogSha256: r.catalogSha256, unreleased: false, changes: diffMappings(prev, r).changes });
    prev = r;
  }
  const released = releases.find((r) => r.catalogVersion === current.catalogVersion);
  if (!released || released.catalogSha256 !== current.catalogSha256) {
    const base = released ?? prev;
    entries.push({ version: current.catalogVersion, catalogSha256: current.catalogSha256, unreleased: true, changes: diffMappings(base, current).changes });
  }
  return { versions: entries.reverse() };
}
