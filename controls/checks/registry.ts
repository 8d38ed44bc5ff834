/** Every check, listed explicitly. Control files may reference only these ids. */
import type { CheckDefinition } from './types.ts';

export const CHECKS: CheckDefinition[] = [];

export function findCheck(id: string): CheckDefinition | undefined {
  return CHECKS.find((c) => c.id === id);
}
