/**
 * The released catalog versions (controls/releases/<version>.json, committed when a version is
 * released), read and validated by the evidence layer's own reader through the contract. Each
 * is the catalog as of its release: every control with the status it claimed, what the run
 * that released it observed, and its framework criteria. Printed as recorded, never re-judged.
 */
import { readReleases, type ReleasedCatalog } from '../../evidence/contract.ts';
import { repoRoot } from './evidence.ts';

let cached: { root: string; value: ReleasedCatalog[] } | undefined;

/** Released versions, newest first. */
export function releases(): ReleasedCatalog[] {
  const root = repoRoot();
  if (cached?.root !== root) cached = { root, value: [...readReleases(root)].reverse() };
  return cached.value;
}
