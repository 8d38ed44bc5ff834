/**
 * Microsoft's SARIF Multitool, the validator GitHub code scanning's rules come from: the
 * Linux x64 build that its npm package installs, so the tests that run it skip elsewhere.
 */
import { accessSync, constants } from 'node:fs';
import path from 'node:path';

export const SARIF_MULTITOOL = path.resolve(import.meta.dirname, '../../node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool');

export const sarifMultitoolRuns = (() => {
  try {
    accessSync(SARIF_MULTITOOL, constants.X_OK);
    return process.platform === 'linux' && process.arch === 'x64';
  } catch {
    return false;
  }
})();
