/**
 * `trust catalog`: validates the controls catalog and summarises it (size by status,
 * by category, and coverage of each framework's criteria). Exit 2 with every located
 * diagnostic when the catalog is invalid.
 */
import { loadCatalog } from '../../../controls/loader.ts';
import { CATEGORIES, STATUSES, type Catalog } from '../../../controls/types.ts';
import { parseCommand } from '../args.ts';

const spec = {
  name: 'catalog',
  usage: 'catalog [--json]',
  description: 'Validate the controls catalog (controls/) and print its size by status and category and its framework coverage.',
  options: {
    json: { type: 'boolean' as const, description: 'Print the summary as JSON' },
  },
  examples: ['npx trust catalog', 'npx trust catalog --json | jq .byStatus'],
};

export interface CatalogSummary {
  version: string;
  sha256: string;
  controls: number;
  byStatus: Record<string, number>;
  byCategory: Record<string, number>;
  frameworks: {
    id: string;
    name: string;
    edition: string;
    mappingVersion: string | null;
    criteria: number;
    criteriaMapped: number;
    controlsMapped: number;
    /** Mapped criteria whose controls include at least one live control. */
    criteriaWithLiveControl: number;
  }[];
  notes: string[];
}

/** Pure summary of a loaded catalog; the CLI and tests share it. */
export function summarise(catalog: Catalog): CatalogSummary {
  const count = <K extends string>(keys: readonly K[], of: (k: K) => number) => Object.fromEntries(keys.map((k) => [k, of(k)]));
  const statusOf = new Map(catalog.controls.map((c) => [c.id, c.status]));
  return {
    version: catalog.version,
    sha256: catalog.sha256,
    controls: catalog.controls.length,
    byStatus: count(STATUSES, (s) => catalog.controls.filter((c) => c.status === s).length),
    byCategory: count(CATEGORIES, (k) => catalog.controls.filter((c) => c.category === k).length),
    frameworks: catalog.frameworks.map((fw) => {
      const mapping = catalog.mappings.find((m) => m.framework === fw.id);
      const entries = Object.entries(mapping?.criteria ?? {}).filter(([, list]) => list.length > 0);
      return {
        id: fw.id,
        name: fw.name,
        edition: fw.edition,
        mappingVersion: mapping?.version ?? null,
        criteria: fw.criteria.length,
        criteriaMapped: entries.length,
        controlsMapped: new Set(entries.flatMap(([, list]) => list.map((e) => e.control))).size,
        criteriaWithLiveControl: entries.filter(([, list]) => list.some((e) => statusOf.get(e.control) === 'live')).length,
      };
    }),
    notes: catalog.notes ?? [],
  };
}

export async function run(argv: string[]): Promise<number> {
  const args = parseCommand(spec, argv);
  if (!args) return 0;
  const summary = summarise(await loadCatalog());
  if ((args.values as { json?: boolean }).json) {
    process.stdout.write(JSON.stringify(summary, null, 2) + '\n');
    return 0;
  }
  const line = (o: Record<string, number>) =>
    Object.entries(o)
      .filter(([, n]) => n > 0)
      .map(([k, n]) => `${k} ${n}`)
      .join(', ');
  const out = [
    `catalog ${summary.version} is valid: ${summary.controls} controls (sha256 ${summary.sha256.slice(0, 16)})`,
    `  by status:   ${line(summary.byStatus)}`,
    `  by category: ${line(summary.byCategory)}`,
    ...summary.frameworks.map(
      (f) =>
        `  ${f.id.padEnd(9)} mapping ${f.mappingVersion ?? 'missing'}: ${f.criteriaMapped}/${f.criteria} criteria mapped (${f.criteriaWithLiveControl} with a live control), ${f.controlsMapped} controls`,
    ),
  ];
  const liveWithoutChecks = summary.notes.filter((n) => n.includes('has no checks yet')).length;
  if (liveWithoutChecks) out.push(`  note: ${liveWithoutChecks} live control(s) have no checks yet and evaluate as unproven`);
  const otherNotes = summary.notes.filter((n) => !n.includes('has no checks yet'));
  for (const n of otherNotes) out.push(`  note: ${n}`);
  process.stdout.write(out.join('\n') + '\n');
  return 0;
}
