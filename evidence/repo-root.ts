/**
 * The repository root, for the commands that read the log only (trust period, trust history):
 * importing it from evidence/pipeline.ts loads the whole gate (the database driver, the
 * evaluator, the reports) before the command starts, a fifth of a period's time.
 */
import path from 'node:path';

export const REPO_ROOT = path.resolve(import.meta.dirname, '..');
