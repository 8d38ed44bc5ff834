/**
 * Errors of the controls catalog. A CatalogError carries every diagnostic of one
 * load, so an author fixes all of them in one pass instead of one per run.
 */
import { InputError } from '../platform/errors.ts';

/** One located problem in a catalog file. */
export interface CatalogDiagnostic {
  /** Repository-relative path. @example "controls/catalog/oauth_tokens_encrypted.yaml" */
  file: string;
  /** 1-based line and column of the offending key or value. */
  line: number;
  col: number;
  /** JSON pointer of the bad value inside the file; "/" for the whole document. @example "/checks/1/params/column" */
  pointer: string;
  /** What is wrong and, where possible, how to fix it. One sentence. */
  message: string;
}

/** `file:line:col pointer  message`, the format shared by the CLI, tests and CI logs. */
export function formatDiagnostic(d: CatalogDiagnostic): string {
  return `${d.file}:${d.line}:${d.col} ${d.pointer}  ${d.message}`;
}

/** Orders diagnostics by file, then position, so output is stable between runs. */
export function sortDiagnostics(list: CatalogDiagnostic[]): CatalogDiagnostic[] {
  return [...list].sort((a, b) =>
    a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line || a.col - b.col || (a.pointer < b.pointer ? -1 : a.pointer > b.pointer ? 1 : 0));
}

/** The catalog could not be loaded. Exit code 2 (InputError). */
export class CatalogError extends InputError {
  readonly diagnostics: CatalogDiagnostic[];
  constructor(diagnostics: CatalogDiagnostic[]) {
    const sorted = sortDiagnostics(diagnostics);
    const first = sorted[0];
    const head = first ? formatDiagnostic(first) : 'controls catalog is invalid';
    const count = sorted.length === 1 ? '1 catalog error' : `${sorted.length} catalog errors`;
    super(`${head} (${count})`, { details: sorted.map(formatDiagnostic) });
    this.name = 'CatalogError';
    this.diagnostics = sorted;
  }
}
