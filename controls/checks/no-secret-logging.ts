import { z } from 'zod';
import { defineCheck, type Finding } from './types.ts';
import type { CodeFacts } from '../../collectors/code.ts';
import { factsOf, fail, pass } from './helpers.ts';

export default defineCheck({
  id: 'no_secret_logging',
  kind: 'structure',
  scope: ['secret', 'token', 'password', 'file'],
  description: 'No logger, console or stream-write call under the platform passes a value named like a password, token, secret or key.',
  collectors: ['code'],
  params: z.object({ /** Limit to files under these directories. @example ["platform/oauth"] */ dirs: z.array(z.string()).default([]) }).strict(),
  evaluate(facts, { dirs }) {
    const c = factsOf<CodeFacts>(facts, 'code');
    const inScope = (f: string) => !dirs.length || dirs.some((d) => f === d || f.startsWith(d.replace(/\/?$/, '/')));
    const bad = c.secretLogging.filter((x) => inScope(x.file));
    if (bad.length) {
      return bad.map((x): Finding =>
        fail(`\`${x.callee}\` at ${x.file}:${x.line} is passed ${x.names.map((n) => `\`${n}\``).join(', ')}.`, { resource: `file:${x.file}`, file: x.file, line: x.line }, x.names.join(',')),
      );
    }
    const scope = dirs.length ? dirs.join(', ') : c.root;
    return [
      pass(`None of the ${c.loggingCalls} logging call(s) in ${c.files} file(s) under ${scope} passes a secret-named value.`, { resource: `file:${dirs[0] ?? c.root}` }, `calls=${c.loggingCalls}`),
    ];
  },
});
