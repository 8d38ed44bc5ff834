import { z } from 'zod';
import { defineCheck, type Finding } from './types.ts';
import type { IdentityFacts } from '../../collectors/identity.ts';
import { factsOf, fail, pass } from './helpers.ts';

export default defineCheck({
  id: 'password_hashes_strong',
  kind: 'data',
  scope: ['password'],
  description: 'Every stored password is a bcrypt hash of at least the minimum cost; none is plain text or a weaker hash.',
  collectors: ['identity'],
  params: z.object({ /** @example 12 */ minCost: z.number().int().min(4).max(31) }).strict(),
  evaluate(facts, { minCost }) {
    const p = factsOf<IdentityFacts>(facts, 'identity').passwords;
    const resource = { resource: 'column:public.users.password_hash' };
    const out: Finding[] = [];
    if (p.notBcrypt) out.push(fail(`${p.notBcrypt} of ${p.users} value(s) of \`public.users.password_hash\` are not bcrypt hashes.`, resource, `not_bcrypt=${p.notBcrypt}`));
    const weak = p.byCost.filter((c) => c.cost < minCost);
    for (const w of weak) out.push(fail(`${w.count} password hash(es) in \`public.users.password_hash\` use bcrypt cost ${w.cost}, below ${minCost}.`, resource, `cost=${w.cost}`));
    if (!out.length)
      out.push(pass(`All ${p.users} password(s) in \`public.users.password_hash\` are bcrypt hashes of cost ${p.byCost.map((c) => c.cost).join(', ') || '-'} (minimum ${minCost}).`, resource));
    return out;
  },
});
