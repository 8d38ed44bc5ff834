/** SHA-256 of a high-entropy secret (API key, session token, state nonce). */
import { createHash } from 'node:crypto';

export function sha256Hex(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}
