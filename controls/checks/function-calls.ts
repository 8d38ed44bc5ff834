import { z } from 'zod';
import { defineCheck, type Finding } from './types.ts';
import type { CodeFacts } from '../../collectors/code.ts';
import { factsOf, fail, pass } from './helpers.ts';

export default defineCheck({
  id: 'function_calls',
  kind: 'structure',
  description: 'An exported function calls each of the named functions (for example, the gate that records a decision, or the authoriser that checks a tier).',
  collectors: ['code'],
  params: z
    .object({
      /** @example "platform/tools/tool-controls.ts" */
      file: z.string(),
      /** @example "authorizeToolCall" */
      function: z.string(),
      /** @example ["appendAuditEvent"] */
      calls: z.array(z.string()).min(1),
    })
    .strict(),
  evaluate(facts, p) {
    const c = factsOf<CodeFacts>(facts, 'code');
    const f = c.functions.find((x) => x.file === p.file && x.name === p.function);
    if (!f) return [fail(`${p.file} exports no function \`${p.function}\`.`, { resource: `file:${p.file}`, file: p.file })];
    return p.calls.map((callee): Finding => {
      const origin = { resource: `function:${p.file}#${p.function}`, file: f.file, line: f.line };
      return f.calls.includes(callee)
        ? pass(`\`${p.function}\` (${f.file}:${f.line}) calls \`${callee}\`.`, origin)
        : fail(`\`${p.function}\` (${f.file}:${f.line}) never calls \`${callee}\`.`, origin, `calls: ${f.calls.join(', ')}`);
    });
  },
});
