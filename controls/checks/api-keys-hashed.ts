import { z } from 'zod';
import { defineCheck, type Finding } from './types.ts';
import type { IdentityFacts } from '../../collectors/identity.ts';
import { factsOf, fail, pass } from './helpers.ts';

export default defineCheck({
  id: 'api_keys_hashed',
  kind: 'data',
  scope: ['token'],
  description: 'Every API key is stored only as a SHA-256 hash with a display prefix naming its tier, and the session cookie values only as SHA-256 hashes.',
  collectors: ['identity'],
  params: z.object({}).strict(),
  evaluate(facts) {
    const i = factsOf<IdentityFacts>(facts, 'identity');
    const out: Finding[] = [];
    const k = i.apiKeys;
    out.push(
      k.sha256Hashes === k.keys && k.prefixMatchesTier === k.keys
        ? pass(`All ${k.keys} API key(s) are stored as SHA-256 hashes with a tier prefix (${k.byTier.map((t) => `${t.tier} ${t.count}`).join(', ') || 'none yet'}).`, {
            resource: 'column:public.api_keys.key_hash',
          })
        : fail(`${k.keys - k.sha256Hashes} API key hash(es) are not SHA-256 hex and ${k.keys - k.prefixMatchesTier} prefix(es) do not name their tier.`, {
            resource: 'column:public.api_keys.key_hash',
          }),
    );
    const s = i.sessions;
    out.push(
      s.sha256Tokens === s.sessions
        ? pass(`All ${s.sessions} session token(s) are stored as SHA-256 hashes.`, { resource: 'column:public.sessions.token_hash' })
        : fail(`${s.sessions - s.sha256Tokens} session token(s) are not stored as SHA-256 hashes.`, { resource: 'column:public.sessions.token_hash' }),
    );
    return out;
  },
});
