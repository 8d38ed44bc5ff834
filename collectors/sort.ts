/**
 * Deterministic facts: object keys in code-point order. Arrays keep the order the
 * collector gave them (collectors sort their arrays by a natural key: name, file:line).
 */
export function sortDeep<T>(value: T): T {
  if (Array.isArray(value)) return value.map((v) => sortDeep(v)) as T;
  if (value && typeof value === 'object' && (value as object).constructor === Object) {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value as object).sort()) out[k] = sortDeep((value as Record<string, unknown>)[k]);
    return out as T;
  }
  return value;
}

/** Sorts by a string key, code-point order (locale-independent). */
export function byKey<T>(key: (t: T) => string): (a: T, b: T) => number {
  return (a, b) => {
    const x = key(a);
    const y = key(b);
    return x < y ? -1 : x > y ? 1 : 0;
  };
}
