/**
 * Per-agent secrets: sealed by the keyring, delivered to the agent at provisioning,
 * and deleted with the agent (agent_secrets.agent_id REFERENCES agents ON DELETE CASCADE).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type pg from 'pg';
import { openColumn, sealColumn } from '../crypto/column-cipher.ts';
import { defaultKeyring, type Keyring } from '../crypto/keyring.ts';
import { PlatformError } from '../kernel/errors.ts';

const TABLE = 'agent_secrets';
const NAME_PATTERN = /^[A-Z][A-Z0-9_]{0,63}$/;
/** Generated for every agent: the token its tunnel and the platform use to recognise it. */
export const GENERATED_SECRETS = ['AGENT_PLATFORM_TOKEN'] as const;

/**
 * What provisioning hands to the server. Values are only reachable through `reveal()`;
 * serialising the object (logs, provider records, JSON) shows the names alone.
 */
export interface SecretDelivery {
  names: string[];
  reveal(): Record<string, string>;
  toJSON(): { names: string[] };
}

function delivery(values: Record<string, string>): SecretDelivery {
  const names = Object.keys(values).sort();
  return {
    names,
    reveal: () => ({ ...values }),
    toJSON: () => ({ names }),
    [Symbol.for('nodejs.util.inspect.custom')]: () => `SecretDelivery(${names.join(', ')})`,
  } as SecretDelivery;
}

/** Stores (or replaces) one secret for an agent, inside the caller's transaction. */
export async function setAgentSecret(
  client: pg.ClientBase,
  input: { agentId: string; accountId: string; name: string; value: string },
  keyring: Keyring = defaultKeyring(),
): Promise<void> {
  if (!NAME_PATTERN.test(input.name)) throw new PlatformError('invalid_secret_name', `secret name "${input.name}" must match ${NAME_PATTERN.source}`);
  if (typeof input.value !== 'string' || input.value.length === 0 || input.value.length > 8192) throw new PlatformError('invalid_secret_value', `secret ${input.name} must be 1..8192 characters`);
  const existing = await client.query<{ id: string }>(`SELECT id FROM agent_secrets WHERE agent_id = $1 AND name = $2`, [input.agentId, input.name]);
  const id = existing.rows[0]?.id ?? randomUUID();
  const sealed = sealColumn(keyring, TABLE, 'ciphertext', id, input.value);
  await client.query(
    `INSERT INTO agent_secrets (id, agent_id, account_id, name, ciphertext) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (agent_id, name) DO UPDATE SET ciphertext = EXCLUDED.ciphertext, delivered_at = NULL`,
    [id, input.agentId, input.accountId, input.name, sealed],
  );
}

/**
 * Called by provisioning inside its transaction (account context set): generates the
 * agent's platform secrets if missing, stores `extra` ones, marks all delivered and
 * returns them for the server's environment.
 */
export async function deliverAgentSecrets(
  client: pg.ClientBase,
  input: { agentId: string; accountId: string; extra?: Record<string, string> },
  keyring: Keyring = defaultKeyring(),
): Promise<SecretDelivery> {
  for (const [name, value] of Object.entries(input.extra ?? {})) await setAgentSecret(client, { ...input, name, value }, keyring);
  for (const name of GENERATED_SECRETS) {
    const has = await client.query(`SELECT 1 FROM agent_secrets WHERE agent_id = $1 AND name = $2`, [input.agentId, name]);
    if (!has.rowCount) await setAgentSecret(client, { ...input, name, value: randomBytes(32).toString('base64url') }, keyring);
  }
  const rows = await client.query<{ id: string; name: string; ciphertext: string }>(
    `UPDATE agent_secrets SET delivered_at = now() WHERE agent_id = $1 RETURNING id, name, ciphertext`,
    [input.agentId],
  );
  const values: Record<string, string> = {};
  for (const r of rows.rows) values[r.name] = openColumn(keyring, TABLE, 'ciphertext', r.id, r.ciphertext);
  return delivery(values);
}
