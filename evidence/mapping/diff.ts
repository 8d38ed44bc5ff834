/**
 * What changed between two mapping files: controls added or removed, claimed and
 * observed status changes, changed definitions, criteria added or removed per control,
 * mapping file versions, and the catalog version itself.
 */
import type { MappingFile } from './mapping.ts';
import { compareCriteria } from './mapping.ts';

export type Change =
  | { kind: 'control_added'; control: string; claimed: string }
  | { kind: 'control_removed'; control: string; claimed: string }
  | { kind: 'claimed_status'; control: string; from: string; to: string }
  | { kind: 'observed_status'; control: string; from: string; to: string }
  | { kind: 'control_changed'; control: string }
  | { kind: 'criterion_added'; control: string; framework: string; criterion: string }
  | { kind: 'criterion_removed'; control: string; framework: string; criterion: string }
  | { kind: 'mapping_version'; framework: string; from: string | null; to: string | null };

export interface MappingDiff {
  from: { catalogVersion: string; catalogSha256: string } | null;
  to: { catalogVersion: string; catalogSha256: string };
  catalogVersionChanged: boolean;
  catalogContentChanged: boolean;
  changes: Change[];
}

function byId<T extends { id: string }>(list: T[]): Map<string, T> {
  return new Map(list.map((x) => [x.id, x]));
}

/** `oldMap` null means "nothing before": every control is added. */
export function diffMappings(oldMap: MappingFile | null, newMap: MappingFile): MappingDiff {
  const changes: Change[] = [];
  const before = byId(oldMap?.controls ?? []);
  const after = byId(newMap.controls);
  const ids = [...new Set([...before.keys(), ...after.keys()])].sort();
  for (const id of ids) {
    const a = before.get(id);
    const b = after.get(id);
    if (!a && b) {
      changes.push({ kind: 'control_added', control: id, claimed: b.claimed });
      continue;
    }
    if (a && !b) {
      changes.push({ kind: 'control_removed', control: id, claimed: a.claimed });
      continue;
    }
    if (!a || !b) continue;
    if (a.claimed !== b.claimed) changes.push({ kind: 'claimed_status', control: id, from: a.claimed, to: b.claimed });
    if (a.observed !== b.observed) changes.push({ kind: 'observed_status', control: id, from: a.observed, to: b.observed });
    if (a.contentSha256 && b.contentSha256 && a.contentSha256 !== b.contentSha256) changes.push({ kind: 'control_changed', control: id });
    const frameworks = [...new Set([...Object.keys(a.criteria), ...Object.keys(b.criteria)])].sort();
    for (const fw of frameworks) {
      const was = new Set(a.criteria[fw] ?? []);
      const now = new Set(b.criteria[fw] ?? []);
      for (const c of [...now].filter((x) => !was.has(x)).sort(compareCriteria)) changes.push({ kind: 'criterion_added', control: id, framework: fw, criterion: c });
      for (const c of [...was].filter((x) => !now.has(x)).sort(compareCriteria)) changes.push({ kind: 'criterion_removed', control: id, framework: fw, criterion: c });
    }
  }
  const oldVersions = new Map((oldMap?.mappings ?? []).map((m) => [m.framework, m.version]));
  const newVersions = new Map(newMap.mappings.map((m) => [m.framework, m.version]));
  for (const fw of [...new Set([...oldVersions.keys(), ...newVersions.keys()])].sort()) {
    const from = oldVersions.get(fw) ?? null;
    const to = newVersions.get(fw) ?? null;
    if (from !== to) changes.push({ kind: 'mapping_version', framework: fw, from, to });
  }
  const from = oldMap ? { catalogVersion: oldMap.catalogVersion, catalogSha256: oldMap.catalogSha256 } : null;
  return {
    from,
    to: { catalogVersion: newMap.catalogVersion, catalogSha256: newMap.catalogSha256 },
    catalogVersionChanged: from?.catalogVersion !== newMap.catalogVersion,
    catalogContentChanged: from?.catalogSha256 !== newMap.catalogSha256,
    changes,
  };
}

/** One line per change, for terminals and reports. */
export function describeChange(c: Change): string {
  switch (c.kind) {
    case 'control_added':
      return `+ ${c.control} added (claimed ${c.claimed})`;
    case 'control_removed':
      return `- ${c.control} removed (was claimed ${c.claimed})`;
    case 'claimed_status':
      return `~ ${c.control} claimed status ${c.from} -> ${c.to}`;
    case 'observed_status':
      return `~ ${c.control} observed status ${c.from} -> ${c.to}`;
    case 'control_changed':
      return `~ ${c.control} definition changed (statement, description, checks or artifacts)`;
    case 'criterion_added':
      return `+ ${c.control} mapped to ${c.framework} ${c.criterion}`;
    case 'criterion_removed':
      return `- ${c.control} no longer mapped to ${c.framework} ${c.criterion}`;
    case 'mapping_version':
      return `~ ${c.framework} mapping version ${c.from ?? '(none)'} -> ${c.to ?? '(none)'}`;
  }
}

export function renderDiffText(d: MappingDiff): string {
  const lines: string[] = [];
  const fromV = d.from ? `${d.from.catalogVersion} (${d.from.catalogSha256.slice(0, 12)})` : '(nothing)';
  lines.push(`catalog ${fromV} -> ${d.to.catalogVersion} (${d.to.catalogSha256.slice(0, 12)})`);
  if (d.from && !d.catalogVersionChanged && d.catalogContentChanged) lines.push('! catalog content changed without a version bump');
  const count = (k: Change['kind']) => d.changes.filter((c) => c.kind === k).length;
  lines.push(
    `${count('control_added')} added, ${count('control_removed')} removed, ` +
      `${count('claimed_status')} claimed and ${count('observed_status')} observed status changes, ${count('control_changed')} changed definitions, ` +
      `${count('criterion_added') + count('criterion_removed')} mapping changes`,
  );
  if (d.changes.length === 0) lines.push('no changes');
  for (const c of d.changes) lines.push(describeChange(c));
  return lines.join('\n') + '\n';
}
