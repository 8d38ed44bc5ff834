/**
 * The TypeScript compiler bundled with ts-morph, for syntax-only walks.
 *
 * Loaded with require, not import(): importing this 9 MB CommonJS file from ESM makes
 * Node scan its source for named exports first, which costs about 150 ms of CPU on
 * every `trust check`; require skips that scan.
 */
import { createRequire } from 'node:module';

export type TypeScript = typeof import('ts-morph').ts;

let loaded: TypeScript | undefined;

export function loadTypeScript(): TypeScript {
  loaded ??= (createRequire(import.meta.url)('ts-morph') as typeof import('ts-morph')).ts;
  return loaded;
}
