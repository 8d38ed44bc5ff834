import { openDatabase } from '../../../platform/db/index.ts';
import { migrate } from '../../../platform/db/migrate.ts';
import { parseCommand } from '../args.ts';

const spec = {
  name: 'migrate',
  usage: 'migrate',
  description: 'Apply the platform schema migrations (platform/migrations) as the owner role. Safe to run repeatedly.',
  options: {},
  examples: ['npx trust migrate', 'DATABASE_URL=postgres://admin:pw@127.0.0.1:5432/trust npx trust migrate'],
};

export async function run(argv: string[]): Promise<number> {
  if (!parseCommand(spec, argv)) return 0;
  const db = await openDatabase();
  try {
    const applied = await migrate(db);
    console.log(applied.length ? `applied ${applied.length} migration(s): ${applied.join(', ')}` : 'schema is up to date');
    return 0;
  } finally {
    await db.close();
  }
}
