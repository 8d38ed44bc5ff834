import { z } from 'zod';
import { defineCheck, type Finding } from './types.ts';
import type { CodeFacts } from '../../collectors/code.ts';
import { factsOf, fail, pass } from './helpers.ts';

export default defineCheck({
  id: 'cookie_flags',
  kind: 'structure',
  scope: ['cookie'],
  description: 'Every cookie the platform sets carries Secure, HttpOnly and an allowed SameSite value.',
  collectors: ['code'],
  params: z.object({ sameSite: z.array(z.enum(['Strict', 'Lax'])).default(['Strict', 'Lax']) }).strict(),
  evaluate(facts, { sameSite }) {
    const c = factsOf<CodeFacts>(facts, 'code');
    if (!c.cookies.length) return [fail(`No cookie is set anywhere under \`${c.root}/\`, so no cookie attribute can be shown.`, { resource: `file:${c.root}` })];
    return c.cookies.map((x): Finding => {
      const origin = { resource: `file:${x.file}`, file: x.file, line: x.line };
      const missing = [
        !x.secure && 'Secure',
        !x.httpOnly && 'HttpOnly',
        !(x.sameSite && sameSite.some((s) => s.toLowerCase() === x.sameSite!.toLowerCase())) && `SameSite=${sameSite.join('|')}`,
      ].filter(Boolean);
      return missing.length
        ? fail(`The cookie set at ${x.file}:${x.line} lacks ${missing.join(', ')}.`, origin, `secure=${x.secure} httpOnly=${x.httpOnly} sameSite=${x.sameSite}`)
        : pass(`The cookie set at ${x.file}:${x.line} is Secure, HttpOnly and SameSite=${x.sameSite}.`, origin);
    });
  },
});
