/**
 * The identity collector: what is stored for passwords, API keys and sessions, as
 * shapes only: bcrypt cost counts, hash lengths, tiers, session lifetimes.
 */
import { z } from 'zod';
import { defineCollector } from './types.ts';

export const IdentityFactsSchema = z.object({
  passwords: z.object({
    users: z.number().int(),
    /** Hashes per bcrypt cost. */
    byCost: z.array(z.object({ cost: z.number().int(), count: z.number().int() })),
    /** Values that are not a bcrypt hash at all. */
    notBcrypt: z.number().int(),
  }),
  apiKeys: z.object({
    keys: z.number().int(),
    /** Keys whose stored hash is 64 lower-case hex digits (SHA-256). */
    sha256Hashes: z.number().int(),
    /** Keys whose display prefix is present and names their tier. */
    prefixMatchesTier: z.number().int(),
    byTier: z.array(z.object({ tier: z.string(), count: z.number().int() })),
  }),
  sessions: z.object({
    sessions: z.number().int(),
    sha256Tokens: z.number().int(),
    maxLifetimeHours: z.number().nullable(),
  }),
});
export type IdentityFacts = z.output<typeof IdentityFactsSchema>;

export default defineCollector({
  id: 'identity',
  version: '1.0.0',
  description: 'Password hash shapes (bcrypt cost), API key storage (hash shape, prefix, tiers) and session token storage and lifetime.',
  needsDatabase: true,
  facts: IdentityFactsSchema,
  async collect(ctx) {
    const [p] = await ctx.sql<{ users: string; not_bcrypt: string; by_cost: { cost: number; count: number }[] }>(`
      SELECT count(*) AS users,
             count(*) FILTER (WHERE password_hash !~ '^\\$2[aby]\\$[0-9]{2}\\$[./A-Za-z0-9]{53}$') AS not_bcrypt,
             (SELECT coalesce(json_agg(json_build_object('cost', c.cost, 'count', c.n) ORDER BY c.cost), '[]') FROM (
                SELECT substr(password_hash, 5, 2)::int AS cost, count(*) AS n FROM users
                 WHERE password_hash ~ '^\\$2[aby]\\$[0-9]{2}\\$' GROUP BY 1) c) AS by_cost
        FROM users`);
    const [k] = await ctx.sql<{ keys: string; sha: string; prefixed: string; by_tier: { tier: string; count: number }[] }>(`
      SELECT count(*) AS keys, count(*) FILTER (WHERE key_hash ~ '^[0-9a-f]{64}$') AS sha,
             count(*) FILTER (WHERE display_prefix LIKE 'hck\\_' || tier || '\\_%') AS prefixed,
             (SELECT coalesce(json_agg(json_build_object('tier', t.tier, 'count', t.n) ORDER BY t.tier), '[]') FROM (
                SELECT tier, count(*) AS n FROM api_keys GROUP BY tier) t) AS by_tier
        FROM api_keys`);
    const [s] = await ctx.sql<{ sessions: string; sha: string; max_hours: string | null }>(`
      SELECT count(*) AS sessions, count(*) FILTER (WHERE token_hash ~ '^[0-9a-f]{64}$') AS sha,
             round((max(extract(epoch FROM expires_at - created_at)) / 3600)::numeric, 2) AS max_hours
        FROM sessions`);
    return {
      passwords: { users: Number(p.users), byCost: p.by_cost.map((c) => ({ cost: Number(c.cost), count: Number(c.count) })), notBcrypt: Number(p.not_bcrypt) },
      apiKeys: { keys: Number(k.keys), sha256Hashes: Number(k.sha), prefixMatchesTier: Number(k.prefixed), byTier: k.by_tier.map((t) => ({ tier: t.tier, count: Number(t.count) })) },
      sessions: { sessions: Number(s.sessions), sha256Tokens: Number(s.sha), maxLifetimeHours: s.max_hours === null ? null : Number(s.max_hours) },
    };
  },
});
