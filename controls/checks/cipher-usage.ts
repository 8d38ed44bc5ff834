import { z } from 'zod';
import { defineCheck, type Finding } from './types.ts';
import type { CodeFacts } from '../../collectors/code.ts';
import { factsOf, fail, pass } from './helpers.ts';

export default defineCheck({
  id: 'cipher_usage',
  kind: 'structure',
  scope: ['ciphertext'],
  description: 'Every createCipheriv in the platform uses the expected algorithm with a fresh randomBytes nonce of the expected size and, when required, binds associated data.',
  collectors: ['code'],
  params: z
    .object({
      algorithm: z.string().default('aes-256-gcm'),
      nonceBytes: z.number().int().positive().default(12),
      requireAad: z.boolean().default(false),
    })
    .strict(),
  evaluate(facts, { algorithm, nonceBytes, requireAad }) {
    const c = factsOf<CodeFacts>(facts, 'code');
    if (!c.ciphers.length) return [fail(`No createCipheriv call was found under \`${c.root}/\`, so nothing shows how data is encrypted.`, { resource: `file:${c.root}` })];
    return c.ciphers.map((x): Finding => {
      const origin = { resource: `file:${x.file}`, file: x.file, line: x.line };
      const where = `${x.file}:${x.line}`;
      if (x.algorithm?.toLowerCase() !== algorithm)
        return fail(`createCipheriv at ${where} uses ${x.algorithm ?? `\`${x.algorithmExpression}\` (not a literal)`}, not ${algorithm}.`, origin, x.algorithmExpression);
      if (x.nonceSource !== 'randomBytes') return fail(`createCipheriv at ${where} takes its nonce from \`${x.nonceExpression}\`, not from randomBytes.`, origin, x.nonceExpression);
      if (x.nonceBytes !== nonceBytes) return fail(`createCipheriv at ${where} uses a ${x.nonceBytes ?? 'unknown'}-byte nonce, not ${nonceBytes}.`, origin);
      if (requireAad && !x.setsAad) return fail(`createCipheriv at ${where} is not followed by setAAD, so the ciphertext is not bound to its row.`, origin);
      return pass(
        `createCipheriv at ${where} uses ${algorithm} with a fresh ${nonceBytes * 8}-bit randomBytes nonce${x.setsAad ? ' and binds associated data with setAAD' : ''}.`,
        origin,
        `iv=${x.nonceExpression}`,
      );
    });
  },
});
