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

/** Where a secret lives and whose it is (encryption.yaml: owner_columns account_id, agent_id, name). */
function at(id: string, accountId: string, agentId: string, name: string) {
  return { table: TABLE, column: 'ciphertext', rowId: id, owner: { account_id: accountId, agent_id: agentId, name } };
}

/**
 * Stores (or replaces) one secret for an agent, inside the caller's transaction. The agent
 * must belong to `accountId` (the account the value is bound to); the value is sealed for
 * that account, that agent and that name.
 */
export async function setAgentSecret(client: pg.ClientBase, input: { agentId: string; accountId: string; name: string; value: string }, keyring: Keyring = defaultKeyring()): Promise<void> {
  if (!NAME_PATTERN.test(input.name)) throw new PlatformError('invalid_secret_name', `secret name "${input.name}" must match ${NAME_PATTERN.source}`);
  if (typeof input.value !== 'string' || input.value.length === 0 || input.value.length > 8192) throw new PlatformError('invalid_secret_value', `secret ${input.name} must be 1..8192 characters`);
  // The row id is part of the binding, so it is known before sealing: the existing row's, or
  // a new one. A concurrent writer of the same (agent, name) makes the write miss; try again.
  for (let attempt = 0; attempt < 3; attempt++) {
    const found = await client.query<{ account_id: string; id: string | null }>(
      `SELECT a.account_id::text AS account_id, s.id::text AS id FROM agents a LEFT JOIN agent_secrets s ON s.agent_id = a.id AND s.name = $2 WHERE a.id = $1`,
      [input.agentId, input.name],
    );
    const agent = found.rows[0];
    if (!agent || agent.account_id !== input.accountId.toLowerCase()) throw new PlatformError('unknown_agent', `no agent ${input.agentId} in account ${input.accountId}`);
    if (agent.id) {
      const sealed = sealColumn(keyring, at(agent.id, agent.account_id, input.agentId, input.name), input.value);
      // Sealed for the agent's account, so the row says that account too.
      const upd = await client.query(`UPDATE agent_secrets SET ciphertext = $2, account_id = $4, delivered_at = NULL WHERE id = $1 AND agent_id = $3 AND name = $5`, [
        agent.id,
        sealed,
        input.agentId,
        agent.account_id,
        input.name,
      ]);
      if (upd.rowCount) return;
    } else {
      const id = randomUUID();
      const sealed = sealColumn(keyring, at(id, agent.account_id, input.agentId, input.name), input.value);
      const ins = await client.query(`INSERT INTO agent_secrets (id, agent_id, account_id, name, ciphertext) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (agent_id, name) DO NOTHING`, [
        id,
        input.agentId,
        agent.account_id,
        input.name,
        sealed,
      ]);
      if (ins.rowCount) return;
    }
  }
  throw new PlatformError('concurrent_update', `secret ${input.name} of agent ${input.agentId} kept changing while it was being written; try again`);
}

/**
 * Called by provisioning inside its transaction (account context set): generates the
 * agent's platform secrets if missing, stores `extra` ones, marks all delivered and
 * returns them for the server's environment. Each value must decrypt for this agent, this
 * account and its name: a row moved here from another owner fails with DecryptionError
 * (naming the row, never a value) and nothing is delivered.
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
  const rows = await client.query<{ id: string; name: string; ciphertext: string }>(`UPDATE agent_secrets SET delivered_at = now() WHERE agent_id = $1 RETURNING id, name, ciphertext`, [
    input.agentId,
  ]);
  const values: Record<string, string> = {};
  for (const r of rows.rows) values[r.name] = openColumn(keyring, at(r.id, input.accountId, input.agentId, r.name), r.ciphertext);
  return delivery(values);
}

/**
 * An agent changed accounts (agent_transfer moved its secrets' account_id): re-seals each of
 * its secrets, in the caller's transaction, from the account it was bound to to the new one.
 * A value that does not decrypt for the old owner fails the transfer (DecryptionError).
 */
export async function resealAgentSecrets(client: pg.ClientBase, input: { agentId: string; fromAccountId: string; toAccountId: string }, keyring: Keyring = defaultKeyring()): Promise<number> {
  const rows = await client.query<{ id: string; name: string; ciphertext: string }>(`SELECT id::text AS id, name, ciphertext FROM agent_secrets WHERE agent_id = $1 ORDER BY id FOR UPDATE`, [
    input.agentId,
  ]);
  if (!rows.rowCount) return 0;
  const ids: string[] = [];
  const sealed: string[] = [];
  for (const r of rows.rows) {
    const plaintext = openColumn(keyring, at(r.id, input.fromAccountId, input.agentId, r.name), r.ciphertext);
    ids.push(r.id);
    sealed.push(sealColumn(keyring, at(r.id, input.toAccountId, input.agentId, r.name), plaintext));
  }
  await client.query(`UPDATE agent_secrets s SET ciphertext = v.ct FROM unnest($1::uuid[], $2::text[]) AS v(id, ct) WHERE s.id = v.id AND s.account_id = $3`, [ids, sealed, input.toAccountId]);
  return ids.length;
}
