import { z } from 'zod';
import { defineCheck, type Finding } from './types.ts';
import type { CodeFacts } from '../../collectors/code.ts';
import { factsOf, fail, pass } from './helpers.ts';

export default defineCheck({
  id: 'no_math_random_in_security_code',
  kind: 'structure',
  description: "No Math.random call in the security directories: tokens, nonces and keys come from the operating system's CSPRNG.",
  collectors: ['code'],
  params: z
    .object({
      /** @example ["platform/crypto", "platform/identity", "platform/oauth", "platform/secrets", "platform/audit"] */
      dirs: z.array(z.string()).min(1),
    })
    .strict(),
  evaluate(facts, { dirs }) {
    const c = factsOf<CodeFacts>(facts, 'code');
    const inScope = (f: string) => dirs.some((d) => f.startsWith(d.replace(/\/?$/, '/')));
    const bad = c.mathRandom.filter((m) => inScope(m.file));
    if (bad.length) return bad.map((m): Finding => fail(`Math.random is called at ${m.file}:${m.line}, in security code.`, { resource: `file:${m.file}`, file: m.file, line: m.line }));
    return [pass(`No Math.random call in ${dirs.join(', ')} (${c.mathRandom.length} elsewhere under ${c.root}).`, { resource: `file:${dirs[0]}` })];
  },
});
