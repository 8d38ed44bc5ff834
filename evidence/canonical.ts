/**
 * The canonical JSON of the bundle format (RFC 8785) at the path the bundle's documentation
 * names, for tools outside this repository that re-create signed bytes (an auditor's forger
 * test, say). The implementation lives in the kernel every layer shares.
 */
export { canonicalBytes, contentHash, sha256Hex } from '../platform/kernel/canonical.ts';
