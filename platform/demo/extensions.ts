/**
 * Hooks other parts of the platform add to `trust demo` without editing the demo.
 * Each runs after the core demo (accounts, agents, VMs, audit) with this context.
 */
import type pg from 'pg';
import type { Database } from '../db/index.ts';
import type { PlatformContext } from '../services.ts';
import { coreIIDemo } from './core-ii.ts';

export interface DemoContext {
  db: Database;
  pools: { owner: pg.Pool; app: pg.Pool; reader: pg.Pool };
  /** Seeded PRNG in [0, 1): use it instead of Math.random so runs are reproducible. */
  rand: () => number;
  log: (line: string) => void;
  scale: number;
  /** Accounts the demo created, in creation order. */
  accounts: string[];
  /** Agents still alive at the end of the core demo. */
  agents: { id: string; accountId: string; region: string }[];
  /** Platform context acting for every demo account (runtime role). */
  platform: PlatformContext;
  /** Demo epoch: history starts here. */
  start: Date;
  /** Set by `trust demo --bulk`: extensions may write the same rows in fewer transactions. */
  bulk?: boolean;
}

export type DemoExtension = (ctx: DemoContext) => Promise<void>;

export const demoExtensions: DemoExtension[] = [coreIIDemo];
