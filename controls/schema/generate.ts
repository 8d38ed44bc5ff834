/**
 * Generates the published JSON Schemas from the zod schemas in controls/types.ts.
 * The committed files are what editors (yaml-language-server) and the loader's ajv
 * use; test/controls/schema.test.ts fails when they drift from the zod source.
 *
 *   npx tsx controls/schema/generate.ts
 */
import { writeFile, rename } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { CatalogFileSchema, ControlFileSchema, FrameworkFileSchema, MappingSchema } from '../types.ts';

const BASE = 'https://harborcloud.example/schemas/controls';

/** The schemas to publish: file name -> JSON text (stable, 2-space indented, trailing newline). */
export function publishedSchemas(): Record<string, string> {
  // io: 'input' describes what an author writes: fields with defaults are optional.
  const control = { ...z.toJSONSchema(ControlFileSchema, { io: 'input' }), $id: `${BASE}/control.schema.json`, title: 'Harbor Cloud control file' };
  const catalog = { ...z.toJSONSchema(CatalogFileSchema, { io: 'input' }), $id: `${BASE}/catalog.schema.json`, title: 'Harbor Cloud catalog.yaml' };
  const framework = { ...z.toJSONSchema(FrameworkFileSchema, { io: 'input' }), $id: `${BASE}/framework.schema.json`, title: 'Harbor Cloud framework file' };
  const mapping = { ...z.toJSONSchema(MappingSchema, { io: 'input' }), $id: `${BASE}/mapping.schema.json`, title: 'Harbor Cloud framework mapping file' };
  const text = (o: object) => JSON.stringify(o, null, 2) + '\n';
  return {
    'control.schema.json': text(control),
    'catalog.schema.json': text(catalog),
    'framework.schema.json': text(framework),
    'mapping.schema.json': text(mapping),
  };
}

async function main(): Promise<void> {
  const dir = path.dirname(fileURLToPath(import.meta.url));
  for (const [name, text] of Object.entries(publishedSchemas())) {
    const target = path.join(dir, name);
    await writeFile(`${target}.tmp`, text);
    await rename(`${target}.tmp`, target);
    process.stdout.write(`wrote controls/schema/${name}\n`);
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
