/**
 * Witnessing the audit chain in the log: which database, its head, the last head the log
 * witnessed for it, and whether the chain still has that event with that hash.
 *
 * Everything here reads the database through a query function (the collectors' READ ONLY
 * transaction, or the reader role's), never writes to it: the log is the only thing a
 * witness changes, and it lives outside the database, beyond the reach of the schema
 * owner and the superuser who can switch the chain's triggers off.
 */
import { decodeLeaf, encodeLeaf, type AuditHeadLeaf } from './leaves.ts';
import { leafHash } from './hash.ts';
import { readCheckpoint } from './log.ts';
import type { NoteVerifier } from './note.ts';
import { inclusionProof, verifyInclusion } from './proof.ts';
import { TILE_WIDTH, TileSource } from './tiles.ts';

export type Sql = <R extends Record<string, unknown> = Record<string, unknown>>(text: string, params?: unknown[]) => Promise<R[]>;

/**
 * `postgres:<system identifier>/<database>`: the cluster's identifier (pg_control_system,
 * when the role may call it) or else its address, and the database name. It survives a
 * dump and restore into the same name on the same cluster, which is what makes a
 * rewritten restore fail against the old witness instead of starting afresh.
 */
export async function readDatabaseIdentity(sql: Sql): Promise<string> {
  const [p] = await sql<{ can: boolean; db: string; addr: string | null; port: number | null }>(
    `SELECT has_function_privilege('pg_control_system()', 'EXECUTE') AS can, current_database() AS db, host(inet_server_addr()) AS addr, inet_server_port() AS port`,
  );
  if (p.can) {
    const [s] = await sql<{ id: string }>(`SELECT system_identifier::text AS id FROM pg_control_system()`);
    return `postgres:${s.id}/${p.db}`;
  }
  return `postgres:${p.addr ?? 'local'}:${p.port ?? 5432}/${p.db}`;
}

export interface Head {
  seq: number;
  hash: string;
  occurredAt: string;
}

/** The last event (not the stored head row: its job is to be checked against this). ORDER BY names the column: the output `seq` is text and would sort 9999 after 10199. */
export async function readHead(sql: Sql): Promise<Head | null> {
  const [r] = await sql<{ seq: string; hash: string; at: Date }>(`SELECT seq::text AS seq, encode(hash, 'hex') AS hash, occurred_at AS at FROM audit_events ORDER BY audit_events.seq DESC LIMIT 1`);
  return r ? { seq: Number(r.seq), hash: r.hash, occurredAt: new Date(r.at).toISOString() } : null;
}

export interface FoundWitness {
  leaf: AuditHeadLeaf;
  index: number;
  logSize: number;
}

/** The chain's identity: the hash of its first event, which every copy and restore keeps (null when seq 1 is gone, e.g. detached). */
export async function readChainId(sql: Sql): Promise<string | null> {
  const [r] = await sql<{ hash: string }>(`SELECT encode(hash, 'hex') AS hash FROM audit_events WHERE seq = 1`);
  return r?.hash ?? null;
}

/**
 * The latest audit-head leaf for `database`, read backwards from the end of the log and
 * proven included in the checkpoint signed by a pinned key (so a leaf planted in an entry
 * bundle, or a tile edited to match it, is not believed). Null when the log has none.
 * Reads as many bundles as there are entries after that leaf, usually one.
 *
 * A database the log has never seen may still hold a witnessed chain: a copy or a restore of
 * a witnessed database under another name, or a rewritten copy put in its place. So, given
 * the chain's identity (readChainId), a database without a witness of its own is held to the
 * latest head witnessed for the same chain, whichever database it was read from; the caller
 * decides whether that head is comparable (a copy made before it was witnessed holds less).
 * Only then is the whole log read.
 */
export function findLastWitness(dir: string, verifiers: readonly NoteVerifier[], database: string, chain: string | null = null): FoundWitness | null {
  const cp = readCheckpoint(dir, verifiers);
  if (!cp || cp.size === 0) return null;
  const src = new TileSource(dir, cp.size);
  const needles = [JSON.stringify(database), ...(chain ? [JSON.stringify(chain)] : [])];
  let sameChain: FoundWitness | null = null;
  for (let b = Math.floor((cp.size - 1) / TILE_WIDTH); b >= 0; b--) {
    const entries = src.bundleOf(b * TILE_WIDTH);
    for (let i = entries.length - 1; i >= 0; i--) {
      const e = entries[i];
      // Cheap filter before parsing: the strings appear verbatim in canonical JSON.
      if (!e.includes('"audit-head"') || !needles.some((n) => e.includes(n))) continue;
      let leaf;
      try {
        leaf = decodeLeaf(e);
      } catch {
        continue; // `trust log verify` reports malformed entries; here they witness nothing
      }
      if (leaf.kind !== 'audit-head') continue;
      const own = leaf.database === database;
      if (!own && (sameChain || !chain || leaf.chain !== chain)) continue;
      const index = b * TILE_WIDTH + i;
      if (!verifyInclusion(index, cp.size, leafHash(e), inclusionProof(src, index, cp.size), cp.root)) {
        throw new Error(`log entry ${index} is not included in the signed checkpoint: the log's tiles or entries were altered (run trust log verify)`);
      }
      if (own) return { leaf, index, logSize: cp.size };
      sameChain = { leaf, index, logSize: cp.size };
    }
  }
  return sameChain;
}

export interface WitnessState {
  database: string;
  head: Head | null;
  /** The chain's identity (readChainId). */
  chain: string | null;
  /** `database`: set when the head was witnessed for another database holding the same chain (a copy or restore). */
  witnessed: { index: number; seq: number; hash: string; at: string; database?: string } | null;
  /** Hash the chain holds now at the witnessed seq (null: no such event any more). */
  hashAtWitnessedSeq: string | null;
  unwitnessedEvents: number;
  /** Age at `now` of the oldest event after the witnessed head; 0 when there is none. */
  unwitnessedSeconds: number;
  logSize: number;
}

export async function readWitnessState(sql: Sql, dir: string, verifiers: readonly NoteVerifier[], now: Date): Promise<WitnessState> {
  const database = await readDatabaseIdentity(sql);
  const head = await readHead(sql);
  const chain = await readChainId(sql);
  let found = findLastWitness(dir, verifiers, database, chain);
  // Another database's witness beyond this chain's end: this copy was made before that head was
  // witnessed, so there is nothing to compare yet (its own first witness starts here).
  if (found && found.leaf.database !== database && found.leaf.seq > (head?.seq ?? 0)) found = null;
  const logSize = found?.logSize ?? readCheckpoint(dir, verifiers)?.size ?? 0;
  const afterSeq = found?.leaf.seq ?? 0;
  const [r] = await sql<{ hash: string | null; n: string; oldest: Date | null }>(
    `SELECT (SELECT encode(hash, 'hex') FROM audit_events WHERE seq = $1) AS hash,
            (SELECT count(*) FROM audit_events WHERE seq > $1)::text AS n,
            (SELECT occurred_at FROM audit_events WHERE seq > $1 ORDER BY seq LIMIT 1) AS oldest`,
    [afterSeq],
  );
  const unwitnessedSeconds = r.oldest ? Math.max(0, Math.floor((now.getTime() - new Date(r.oldest).getTime()) / 1000)) : 0;
  return {
    database,
    head,
    chain,
    witnessed: found ? { index: found.index, seq: found.leaf.seq, hash: found.leaf.hash, at: found.leaf.at, ...(found.leaf.database !== database ? { database: found.leaf.database } : {}) } : null,
    hashAtWitnessedSeq: found ? r.hash : null,
    unwitnessedEvents: Number(r.n),
    unwitnessedSeconds,
    logSize,
  };
}

/** Why the chain no longer agrees with the witnessed head; null when it does (or nothing was witnessed). */
export function rewriteDetected(s: WitnessState): string | null {
  if (!s.witnessed) return null;
  const where = `entry ${s.witnessed.index}, ${s.witnessed.at}${s.witnessed.database ? `, for ${s.witnessed.database}, which holds the same chain` : ''}`;
  if (s.hashAtWitnessedSeq === null) return `event ${s.witnessed.seq}, witnessed in the transparency log (${where}), no longer exists: the chain was truncated or rewritten`;
  if (s.hashAtWitnessedSeq !== s.witnessed.hash)
    return `event ${s.witnessed.seq} now hashes to ${s.hashAtWitnessedSeq.slice(0, 16)}…, the transparency log witnessed ${s.witnessed.hash.slice(0, 16)}… (${where}): events up to it were rewritten`;
  return null;
}

export function auditHeadLeaf(database: string, head: Head, now: Date, chain: string | null): Buffer {
  return encodeLeaf({ kind: 'audit-head', v: 1, database, seq: head.seq, hash: head.hash, at: now.toISOString(), ...(chain ? { chain } : {}) });
}
