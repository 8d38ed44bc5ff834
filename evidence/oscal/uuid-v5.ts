/**
 * Speed trick (TRUST_OSCAL_UUID_V5=0 turns it off; test/oscal/uuid-v5.test.ts: the same
 * UUIDs as the uuid package): RFC 9562 version-5 UUIDs under one namespace, its bytes parsed once
 * and each name hashed by one call of node:crypto. An audit period names a result per run (2,000
 * over 90 days); the uuid package parses the namespace and re-encodes each name through
 * encodeURIComponent on every call, a tenth of a period's time.
 */
import crypto from 'node:crypto';
import { parse as uuidParse, v5 as uuidv5 } from 'uuid';
import { trickEnabled } from '../../platform/kernel/switches.ts';

export const UUID_V5_SWITCH = 'TRUST_OSCAL_UUID_V5';

/** v5(name, namespace) for every name, as uuid's v5 gives it. */
export function uuidV5Under(namespace: string): (name: string) => string {
  if (!trickEnabled(UUID_V5_SWITCH)) return (name) => uuidv5(name, namespace);
  const ns = Buffer.from(uuidParse(namespace));
  return (name) => {
    // A lone surrogate has no UTF-8: the package refuses it (URIError), and so does the plain way here.
    if (/[\ud800-\udfff]/.test(name)) return uuidv5(name, namespace);
    const h = crypto.hash('sha1', Buffer.concat([ns, Buffer.from(name, 'utf8')]), 'buffer') as unknown as Buffer;
    h[6] = (h[6] & 0x0f) | 0x50;
    h[8] = (h[8] & 0x3f) | 0x80;
    const x = h.toString('hex', 0, 16);
    return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20, 32)}`;
  };
}
