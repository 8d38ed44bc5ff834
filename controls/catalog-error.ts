/**
 * Errors of the controls catalog. A CatalogError carries every diagnostic of one
 * load, so an author fixes all of them in one pass instead of one per run.
 */
import { InputError } from '../platform/kernel/errors.ts';
import { formatDiagnostic, sortDiagnostics, type LocatedDiagnostic } from '../platform/kernel/located-yaml.ts';

/** One located problem in a catalog file (the kernel's located-YAML diagnostic). */
export type CatalogDiagnostic = LocatedDiagnostic;
export { formatDiagnostic, sortDiagnostics };

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
