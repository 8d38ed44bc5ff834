/**
 * Environment variables a test sets for itself and must put back, so that the next test
 * file in the same worker sees the environment it started with.
 */

/** Remembers `names` as they are now; the function returned puts each back, unsetting those that were unset. */
export function saveEnv(names: readonly string[]): () => void {
  const saved = names.map((k) => [k, process.env[k]] as const);
  return () => {
    for (const [k, v] of saved)
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
  };
}

/** Sets `vars` (undefined: unset) while `fn` runs, and until the promise it returns settles when it returns one. */
export function withEnv<T>(vars: Record<string, string | undefined>, fn: () => T): T {
  const restore = saveEnv(Object.keys(vars));
  for (const [k, v] of Object.entries(vars))
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  let result: T;
  try {
    result = fn();
  } catch (e) {
    restore();
    throw e;
  }
  if (result instanceof Promise) return result.finally(restore) as T;
  restore();
  return result;
}
