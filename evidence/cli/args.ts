/** Small helpers every command uses: argument parsing with --help, and one-line errors. */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { InputError } from '../../platform/kernel/errors.ts';
import { closest } from '../../platform/kernel/text/closest.mjs';

export interface CommandSpec<O extends NonNullable<ParseArgsConfig['options']>> {
  name: string;
  usage: string;
  description: string;
  options: O;
  examples: readonly string[];
  allowPositionals?: boolean;
  /** How a user types the command before its options, when not `trust <name>` (the bench, `npm run bench --`, is no trust command). */
  invocation?: string;
}

export function helpText(spec: CommandSpec<NonNullable<ParseArgsConfig['options']>>): string {
  const opts = Object.entries(spec.options).map(([k, v]) => {
    const flag = `--${k}${v.type === 'string' ? ' <value>' : ''}`;
    return `  ${flag.padEnd(26)} ${(v as { description?: string }).description ?? ''}`;
  });
  return [
    `Usage: ${spec.invocation ? `${spec.invocation} ${spec.usage}` : `trust ${spec.usage}`}`,
    '',
    spec.description,
    '',
    'Options:',
    ...opts,
    `  ${'--help'.padEnd(26)} Show this help`,
    '',
    'Examples:',
    ...spec.examples.map((e) => `  ${e}`),
    '',
  ].join('\n');
}

type Opt = NonNullable<ParseArgsConfig['options']>[string] & { description?: string };

/** Parses argv for a command; returns null after printing help. Unknown flags are InputErrors. */
export function parseCommand<O extends Record<string, Opt>>(spec: CommandSpec<O>, argv: string[]) {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(helpText(spec as never));
    return null;
  }
  try {
    const options = Object.fromEntries(
      // parseArgs rejects keys that are present but undefined (e.g. `short: undefined`).
      Object.entries(spec.options).map(([k, v]) => [
        k,
        Object.fromEntries(Object.entries({ type: v.type, short: v.short, multiple: v.multiple, default: v.default }).filter(([, x]) => x !== undefined)),
      ]),
    );
    return parseArgs({ args: argv, options: options as unknown as ParseArgsConfig['options'], allowPositionals: spec.allowPositionals ?? false, strict: true });
  } catch (e) {
    // The CLI prefixes "trust <command>: " itself; a suggestion follows an unknown flag.
    const message = (e as Error).message.split('\n')[0];
    const unknown = /Unknown option '(--?[^']+)'/.exec(message)?.[1];
    const near = unknown ? closest(unknown.replace(/^-+/, ''), Object.keys(spec.options)) : undefined;
    const hint = near ? `did you mean --${near}? ` : '';
    throw new InputError(`${message.replace(/\.?$/, '.')} ${hint}(see ${spec.invocation ?? `trust ${spec.name}`} --help)`);
  }
}
