import { z } from 'zod';
import { defineCheck, type Finding } from './types.ts';
import type { EncryptionFacts } from '../../collectors/encryption.ts';
import { factsOf, fail, pass } from './helpers.ts';

export default defineCheck({
  id: 'keyring_algorithm',
  kind: 'structure',
  description: 'The encryption configuration and the loaded keyring use the expected algorithm, nonce size and associated data binding.',
  collectors: ['encryption'],
  params: z
    .object({
      algorithm: z.string().default('AES-256-GCM'),
      nonceBits: z.number().int().default(96),
      /** Required associated-data binding. @example "table/column/row_id" */
      associatedData: z.string().optional(),
    })
    .strict(),
  evaluate(facts, { algorithm, nonceBits, associatedData }) {
    const e = factsOf<EncryptionFacts>(facts, 'encryption');
    const file = e.config.file;
    const out: Finding[] = [];
    out.push(
      e.config.algorithm === algorithm && e.config.nonceBits === nonceBits
        ? pass(`\`${file}\` configures ${e.config.algorithm} with ${e.config.nonceBits}-bit nonces.`, { resource: 'config:encryption.algorithm', file })
        : fail(`\`${file}\` configures ${e.config.algorithm} with ${e.config.nonceBits}-bit nonces, not ${algorithm} with ${nonceBits}.`, { resource: 'config:encryption.algorithm', file }),
    );
    if (associatedData) {
      out.push(
        e.config.associatedData === associatedData
          ? pass(`\`${file}\` binds each ciphertext to ${associatedData} through associated data.`, { resource: 'config:encryption.associated_data', file })
          : fail(`\`${file}\` associated data is \`${e.config.associatedData}\`, not \`${associatedData}\`.`, { resource: 'config:encryption.associated_data', file }),
      );
    }
    if (!e.keyring) out.push(fail('No keyring is configured (TRUST_KEYRING, TRUST_KEYRING_FILE or a development keyring).', { resource: 'config:keyring' }));
    else {
      out.push(
        e.keyring.algorithm === algorithm && e.keyring.nonceBits === nonceBits
          ? pass(`The ${e.keyring.source} keyring encrypts with ${e.keyring.algorithm} and ${e.keyring.nonceBits}-bit nonces.`, { resource: 'config:keyring' })
          : fail(`The keyring uses ${e.keyring.algorithm} with ${e.keyring.nonceBits}-bit nonces, not ${algorithm}.`, { resource: 'config:keyring' }),
      );
    }
    return out;
  },
});
