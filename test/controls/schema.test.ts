/** The committed JSON Schemas must be exactly what controls/types.ts generates. */
import { describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { publishedSchemas } from '../../controls/schema/generate.ts';

const DIR = path.resolve(import.meta.dirname, '../../controls/schema');

describe('published JSON Schemas', () => {
  for (const [name, expected] of Object.entries(publishedSchemas())) {
    it(`${name} is up to date (regenerate: npx tsx controls/schema/generate.ts)`, async () => {
      expect(await readFile(path.join(DIR, name), 'utf8')).toBe(expected);
    });
  }

  it('forbids unknown fields in control files', async () => {
    const schema = JSON.parse(await readFile(path.join(DIR, 'control.schema.json'), 'utf8'));
    expect(schema.additionalProperties).toBe(false);
    expect(schema.required).toEqual(expect.arrayContaining(['id', 'title', 'statement', 'description', 'category', 'status']));
  });
});
