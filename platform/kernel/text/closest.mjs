// "Did you mean": the nearest known word to a typo. Plain JavaScript so that `trust` can
// suggest a command without loading TypeScript; the catalog loader and the flag parser
// use the same function (types in closest.d.mts).

/** Levenshtein distance (insertions, deletions, substitutions each cost 1). */
export function editDistance(a, b) {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[b.length];
}

/**
 * The candidate nearest to `word`, when it is near enough to be a typo of it: at most
 * `share` of the word's length (and at least 2) edits. Ties go to the first in sort order.
 */
export function closest(word, candidates, share = 1 / 3) {
  let best;
  let bestDistance = Infinity;
  for (const c of [...candidates].sort()) {
    const d = editDistance(word, c);
    if (d < bestDistance) [best, bestDistance] = [c, d];
  }
  return bestDistance <= Math.max(2, Math.floor(word.length * share)) ? best : undefined;
}
