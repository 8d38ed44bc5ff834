/**
 * The signature envelope: DSSE (https://github.com/secure-systems-lab/dsse) carrying
 * an in-toto Statement v1 that names bundle.json by SHA-256. The Statement holds the
 * signing time, so bundle.json itself stays free of timestamps.
 *
 *   bundle.sig.json = canonical JSON of
 *   { payload: base64(canonical Statement), payloadType: "application/vnd.in-toto+json",
 *     signatures: [{ keyid, sig: base64(Ed25519(PAE(payloadType, payload))) }] }
 */
import { sign } from 'node:crypto';
import { z } from 'zod';
import { canonicalBytes, sha256Hex } from '../../platform/kernel/canonical.ts';
import type { SigningKey } from './keys.ts';

export const PAYLOAD_TYPE = 'application/vnd.in-toto+json';
export const STATEMENT_TYPE = 'https://in-toto.io/Statement/v1';
/**
 * An https type URI under the project's own namespace (the OSCAL properties use the same
 * one), as the in-toto attestation spec asks of predicate types. Not in-toto's
 * `test-result/v0.1`: that predicate's subject is the software under test and its body a
 * pass/warn/fail tally, while this Statement's subject is the evidence bundle itself and
 * says only who signed it, when, and for which catalog version; the per-control results
 * live in the signed bundle. See the README (Decisions).
 */
export const PREDICATE_TYPE = 'https://harborcloud.example/ns/trust-evidence/signature/v1';
/** What bundles signed before the https URI carry: still verified, with a note. */
export const LEGACY_PREDICATE_TYPE = 'urn:trust-evidence:signature:v1';

export const StatementSchema = z
  .object({
    _type: z.literal(STATEMENT_TYPE),
    subject: z.array(z.object({ name: z.string(), digest: z.object({ sha256: z.string().regex(/^[0-9a-f]{64}$/) }).strict() }).strict()).length(1),
    predicateType: z.enum([PREDICATE_TYPE, LEGACY_PREDICATE_TYPE]),
    predicate: z
      .object({
        /** ISO 8601 time of signing: the run's clock. */
        signedAt: z.string().datetime(),
        catalogVersion: z.string(),
        developmentKey: z.boolean(),
      })
      .strict(),
  })
  .strict();
export type Statement = z.output<typeof StatementSchema>;

export const EnvelopeSchema = z
  .object({
    payload: z.string(),
    payloadType: z.literal(PAYLOAD_TYPE),
    signatures: z.array(z.object({ keyid: z.string(), sig: z.string() }).strict()).min(1),
  })
  .strict();
export type Envelope = z.output<typeof EnvelopeSchema>;

/** DSSE v1 Pre-Authentication Encoding: what is actually signed. */
export function pae(payloadType: string, payload: Buffer): Buffer {
  const type = Buffer.from(payloadType, 'utf8');
  return Buffer.concat([Buffer.from(`DSSEv1 ${type.length} `), type, Buffer.from(` ${payload.length} `), payload]);
}

export function signBundle(bundleBytes: Buffer, key: SigningKey, meta: { signedAt: Date; catalogVersion: string }): Envelope {
  const statement: Statement = {
    _type: STATEMENT_TYPE,
    subject: [{ name: 'bundle.json', digest: { sha256: sha256Hex(bundleBytes) } }],
    predicateType: PREDICATE_TYPE,
    predicate: { signedAt: meta.signedAt.toISOString(), catalogVersion: meta.catalogVersion, developmentKey: key.development },
  };
  const payload = canonicalBytes(statement);
  const sig = sign(null, pae(PAYLOAD_TYPE, payload), key.privateKey);
  return { payload: payload.toString('base64'), payloadType: PAYLOAD_TYPE, signatures: [{ keyid: key.keyid, sig: sig.toString('base64') }] };
}

/** The exact bytes of bundle.sig.json. */
export function serializeEnvelope(envelope: Envelope): Buffer {
  return canonicalBytes(envelope);
}
