import { z } from 'zod';
import { defineCheck, type Finding } from './types.ts';
import type { CodeFacts } from '../../collectors/code.ts';
import { factsOf, fail, pass } from './helpers.ts';

export default defineCheck({
  id: 'secret_writes_confined',
  kind: 'structure',
  description: 'SQL that inserts into or updates the token and secret tables appears only in the modules that encrypt through the keyring.',
  collectors: ['code'],
  params: z
    .object({
      /** @example ["oauth_connections", "agent_secrets"] */
      tables: z.array(z.string()).min(1),
      /** Repository-relative files allowed to write them. @example ["platform/oauth/connections.ts"] */
      allowedFiles: z.array(z.string()).min(1),
      /** Each writing file must also import from platform/crypto/ (where values are sealed). */
      requireCryptoImport: z.boolean().default(true),
    })
    .strict(),
  evaluate(facts, { tables, allowedFiles, requireCryptoImport }) {
    const c = factsOf<CodeFacts>(facts, 'code');
    const writes = c.secretTableWrites.filter((w) => tables.includes(w.table));
    const out: Finding[] = writes
      .filter((w) => !allowedFiles.includes(w.file))
      .map((w) =>
        fail(
          `${w.verb} on \`${w.table}\` at ${w.file}:${w.line} is outside the keyring-backed modules (${allowedFiles.join(', ')}).`,
          { resource: `file:${w.file}`, file: w.file, line: w.line },
          `${w.verb} ${w.table}`,
        ),
      );
    if (requireCryptoImport) {
      for (const w of writes.filter((x) => allowedFiles.includes(x.file) && !x.importsCrypto)) {
        out.push(
          fail(`${w.file} writes \`${w.table}\` (line ${w.line}) without importing from platform/crypto/, so nothing shows the value is sealed.`, {
            resource: `file:${w.file}`,
            file: w.file,
            line: w.line,
          }),
        );
      }
    }
    if (!out.length) {
      for (const t of tables) {
        const here = writes.filter((w) => w.table === t);
        out.push(
          here.length
            ? pass(`Table \`${t}\` is written only in ${[...new Set(here.map((w) => w.file))].join(', ')} (${here.map((w) => `${w.verb} line ${w.line}`).join(', ')}).`, {
                resource: `table:public.${t}`,
                file: here[0].file,
                line: here[0].line,
              })
            : fail(`No SQL writing \`${t}\` was found, so the writer could not be identified.`, { resource: `table:public.${t}` }),
        );
      }
    }
    return out;
  },
});
