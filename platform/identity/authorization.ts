/**
 * The one place that decides whether a principal may run a platform operation.
 * Every operation the platform exposes is listed here with the least tier it needs;
 * an operation missing from the table is refused (deny by default).
 */
import type pg from 'pg';
import { authenticateApiKey, TIERS, type ApiKeyPrincipal, type Tier } from './api-keys.ts';
import { AuthError } from './errors.ts';

export const OPERATION_TIERS = {
  // read: look, never change
  'agents.list': 'read',
  'agents.get': 'read',
  'vms.list': 'read',
  'usage.read': 'read',
  'audit.read': 'read',
  'oauth.list': 'read',
  'ssh_keys.list': 'read',
  // manage: change resources of the account
  'agents.provision': 'manage',
  'agents.start': 'manage',
  'agents.stop': 'manage',
  'agents.clone': 'manage',
  'agents.destroy': 'manage',
  'vms.provision': 'manage',
  'vms.destroy': 'manage',
  'oauth.connect': 'manage',
  'oauth.refresh': 'manage',
  'ssh_keys.add': 'manage',
  'agent_secrets.set': 'manage',
  'tools.configure': 'manage',
  'tools.decide': 'manage',
  // admin: identity, money, ownership and the account itself
  'agents.transfer': 'admin',
  'api_keys.create': 'admin',
  'api_keys.revoke': 'admin',
  'users.create': 'admin',
  'account.export': 'admin',
  'account.delete': 'admin',
} as const satisfies Record<string, Tier>;
export type Operation = keyof typeof OPERATION_TIERS;

function rank(t: Tier): number {
  return TIERS.indexOf(t);
}

/** Throws AuthError unless the principal's tier covers the operation. */
export function requireTier(principal: { tier: Tier; displayPrefix?: string }, operation: string): void {
  const needed = (OPERATION_TIERS as Record<string, Tier>)[operation];
  if (!needed) throw new AuthError('unknown_operation', `operation "${operation}" is not in the authorization table`);
  if (rank(principal.tier) < rank(needed)) {
    throw new AuthError('insufficient_tier', `operation ${operation} needs tier ${needed}; key ${principal.displayPrefix ?? ''} has tier ${principal.tier}`);
  }
}

/** Authenticates an API key and checks it may run `operation`. Writes nothing. */
export async function authorize(pool: pg.Pool, apiKey: unknown, operation: Operation): Promise<ApiKeyPrincipal> {
  if (!(operation in OPERATION_TIERS)) throw new AuthError('unknown_operation', `operation "${String(operation)}" is not in the authorization table`);
  const principal = await authenticateApiKey(pool, apiKey);
  requireTier(principal, operation);
  return principal;
}
