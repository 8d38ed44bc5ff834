/** Every collector, listed explicitly (no discovery by naming convention). */
import type { Collector } from './types.ts';
import access from './access.ts';
import audit from './audit.ts';
import backups from './backups.ts';
import code from './code.ts';
import config from './config.ts';
import dbTls from './db-tls.ts';
import dependencies from './dependencies.ts';
import design from './design.ts';
import disclosure from './disclosure.ts';
import encryption from './encryption.ts';
import enforcement from './enforcement.ts';
import identity from './identity.ts';
import lifecycle from './lifecycle.ts';
import privacy from './privacy.ts';
import regions from './regions.ts';
import schema from './schema.ts';
import witness from './witness.ts';
import tools from './tools.ts';
import vmBoot from './vm-boot.ts';

export const COLLECTORS: Collector[] = [
  access,
  audit,
  backups,
  code,
  config,
  dbTls,
  dependencies,
  design,
  disclosure,
  encryption,
  enforcement,
  identity,
  lifecycle,
  privacy,
  regions,
  schema,
  tools,
  vmBoot,
  witness,
];

export function findCollector(id: string): Collector | undefined {
  return COLLECTORS.find((c) => c.id === id);
}
