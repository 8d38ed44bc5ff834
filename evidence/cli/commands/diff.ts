import { parseCommand } from '../args.ts';
import { InputError } from '../../../platform/kernel/errors.ts';
import { readMappingFile } from '../../mapping/releases.ts';
import { diffMappings, renderDiffText } from '../../mapping/diff.ts';

const spec = {
  name: 'diff',
  usage: 'diff OLD NEW [--json]',
  description: [
    'Shows what changed between two controls mapping files (out/mapping.json of a run, or a released',
    'snapshot in controls/releases/<version>.json): catalog version, controls added or removed, claimed',
    'and observed status changes, changed control definitions (statement, description, checks), criteria added or removed per control, mapping file versions.',
    'Exit 0 (whether or not anything changed), 2 unreadable input.',
  ].join('\n'),
  options: { json: { type: 'boolean' as const, description: 'Print the diff as JSON' } },
  examples: ['npx trust diff controls/releases/1.0.0.json out/mapping.json', 'npx trust diff old/mapping.json out/mapping.json --json'],
  allowPositionals: true,
};

export async function run(argv: string[]): Promise<number> {
  const args = parseCommand(spec, argv);
  if (!args) return 0;
  if (args.positionals.length !== 2) throw new InputError('trust diff: expected two mapping files, OLD and NEW (see trust diff --help)');
  const [oldFile, newFile] = args.positionals;
  const d = diffMappings(readMappingFile(oldFile), readMappingFile(newFile));
  process.stdout.write((args.values as { json?: boolean }).json ? JSON.stringify(d, null, 2) + '\n' : renderDiffText(d));
  return 0;
}
