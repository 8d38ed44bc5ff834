/** Types of help.mjs, the one list of `trust` commands. */
export interface CommandEntry {
  /** The command's name; its module is evidence/cli/commands/<name>.ts. */
  name: string;
  /** One line for `trust --help`. */
  summary: string;
}
export const COMMANDS: readonly CommandEntry[];
export function usage(): string;
