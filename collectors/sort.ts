/**
 * Deterministic facts: object keys in code-point order, in place (facts are the run's own). Arrays keep the order the
 * collector gave them (collectors sort their arrays by a natural key: name, file:line).
 */
export function sortDeep<T>(value: T): T {
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = sortDeep(value[i]);
    return value;
  }
  if (value && typeof value === 'object' && (value as object).constructor === Object) {
    const obj = value as Record<string, unknown>;
    const keys = Object.keys(obj);
    let sorted = true;
    for (let i = 1; i < keys.length && sorted; i++) sorted = keys[i - 1] < keys[i];
    // Facts are fresh objects owned by the run, so they are sorted in place; an object
    // whose keys are already in order (most rows a collector builds) is not copied.
    if (sorted) {
      for (const k of keys) obj[k] = sortDeep(obj[k]);
      return value;
    }
    const out: Record<string, unknown> = {};
    for (const k of keys.sort()) out[k] = sortDeep(obj[k]);
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
