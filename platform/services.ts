/**
 * What every platform service needs: the runtime pool, who is acting, for which
 * accounts, the infrastructure provider and a clock. Each service call is one
 * transaction (withTransaction) that sets the account context for row-level security.
 */
import type pg from 'pg';
import { randomUUID } from 'node:crypto';
import { withTransaction } from './db/tx.ts';
import { PlatformError } from './kernel/errors.ts';
import { REGIONS } from './config/regions.ts';
import type { Provider } from './provider/types.ts';
import { LocalProvider } from './provider/local.ts';

export interface PlatformContext {
  /** Pool logged in as the runtime role (`db.pool('app')`). */
  pool: pg.Pool;
  /** Who acts, recorded on every audit event. @example "user:ana@example.com" */
  actor: string;
  /** Accounts this caller acts for; a transfer adds the destination for its transaction. */
  accounts: string[];
  provider: Provider;
  /** Injected time for history (demo); undefined = database clock at the operation. */
  clock?: () => Date | undefined;
  /**
   * An open transaction to run in instead of a new one (batches). Its owner set the
   * account context and commits; a refusal then aborts the whole batch.
   */
  tx?: pg.PoolClient;
}

export function platformContext(pool: pg.Pool, opts: Partial<Omit<PlatformContext, 'pool'>> = {}): PlatformContext {
  return { pool, actor: opts.actor ?? 'system:platform', accounts: opts.accounts ?? [], provider: opts.provider ?? new LocalProvider(), clock: opts.clock };
}

/** Runs fn in one transaction for the given accounts; database refusals become PlatformError. */
export async function serviceTx<T>(ctx: PlatformContext, accounts: string[], fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
  try {
    if (ctx.tx) return await fn(ctx.tx);
    return await withTransaction(ctx.pool, { accounts: [...new Set(accounts)] }, fn);
  } catch (e) {
    throw asPlatformError(e);
  }
}

/** SQLSTATE PT001 is raised by platform_refuse(code, message) in the migrations. */
export function asPlatformError(e: unknown): unknown {
  const err = e as { code?: string; hint?: string; message?: string };
  if (err?.code === 'PT001') return new PlatformError(err.hint ?? 'refused', err.message ?? 'refused', { cause: e });
  if (err?.code === '22P02' && /uuid/.test(err.message ?? '')) return new PlatformError('invalid_id', err.message ?? 'invalid id', { cause: e });
  return e;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export function requireUuid(value: string, what: string): void {
  if (!UUID.test(value)) throw new PlatformError('invalid_id', `${what} "${value}" is not a uuid`);
}

export function timeOf(ctx: PlatformContext, at?: Date): Date | null {
  return at ?? ctx.clock?.() ?? null;
}

/** Creates an account; the id is chosen here so the transaction can act for it. */
export async function createAccount(ctx: PlatformContext, input: { name: string; id?: string; at?: Date }): Promise<string> {
  const id = input.id ?? randomUUID();
  await serviceTx(ctx, [id], (c) => c.query('INSERT INTO accounts (id, name, created_at) VALUES ($1, $2, coalesce($3, now()))', [id, input.name, timeOf(ctx, input.at)]));
  return id;
}

/** Mirrors platform/config/regions.ts into `regions` / `region_products`. Run as the owner. */
export async function syncRegions(ownerPool: pg.Pool): Promise<void> {
  await withTransaction(ownerPool, {}, async (c) => {
    for (const r of REGIONS) {
      await c.query(
        `INSERT INTO regions (id, location, price_cell, synced_at) VALUES ($1, $2, $3, now())
         ON CONFLICT (id) DO UPDATE SET location = excluded.location, price_cell = excluded.price_cell, synced_at = now()`,
        [r.id, r.location, r.priceCell],
      );
      for (const p of r.products) {
        await c.query('INSERT INTO region_products (region, product) VALUES ($1, $2) ON CONFLICT DO NOTHING', [r.id, p]);
      }
    }
  });
}
