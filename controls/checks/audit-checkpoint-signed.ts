import { z } from 'zod';
import { defineCheck } from './types.ts';
import type { AuditFacts } from '../../collectors/audit.ts';
import { factsOf, fail, pass } from './helpers.ts';

export default defineCheck({
  id: 'audit_checkpoint_signed',
  kind: 'data',
  description: 'The latest audit checkpoint exists, its Ed25519 signature verifies (with a trusted key when required), and verification from it succeeds.',
  collectors: ['audit'],
  params: z.object({ /** Require the signing key to be one the verifier trusts, not only the key stored with the checkpoint. */ requireTrustedKey: z.boolean().default(true) }).strict(),
  evaluate(facts, { requireTrustedKey }) {
    const a = factsOf<AuditFacts>(facts, 'audit');
    const cp = a.checkpoint;
    if (!cp)
      return [
        fail(
          'Table `public.audit_checkpoints` holds no checkpoint, so incremental verification has nothing signed to start from.',
          { resource: 'table:public.audit_checkpoints' },
          `checkpoints=${a.checkpoints}`,
        ),
      ];
    const resource = { resource: `row:public.audit_checkpoints.seq=${cp.seq}` };
    if (!cp.signatureValid) return [fail(`Checkpoint ${cp.seq} signature does not verify with key ${cp.keyId}.`, resource)];
    if (requireTrustedKey && !cp.keyTrusted) return [fail(`Checkpoint ${cp.seq} is signed by key ${cp.keyId}, which is not a trusted checkpoint key.`, resource)];
    if (!cp.chainVerifiesFromIt) return [fail(`The audit chain does not verify from checkpoint ${cp.seq}.`, resource)];
    return [pass(`Checkpoint ${cp.seq} is signed by key ${cp.keyId} (Ed25519, ${cp.keyTrusted ? 'trusted' : 'stored'} key) and the chain verifies from it.`, resource, `checkpoints=${a.checkpoints}`)];
  },
});
