/** Passing facts for every non-schema collector; tests derive failing variants from them. */
import type { AuditFacts } from '../../collectors/audit.ts';
import type { EncryptionFacts } from '../../collectors/encryption.ts';
import type { RegionsFacts } from '../../collectors/regions.ts';
import type { PrivacyFacts } from '../../collectors/privacy.ts';
import type { IdentityFacts } from '../../collectors/identity.ts';
import type { CodeFacts } from '../../collectors/code.ts';
import type { ConfigFacts } from '../../collectors/config.ts';
import type { ToolsFacts } from '../../collectors/tools.ts';
import type { BackupFacts } from '../../collectors/backups.ts';
import type { DbTlsFacts } from '../../collectors/db-tls.ts';

export const audit = (): AuditFacts => ({
  verification: { mode: 'full', ok: true, eventsVerified: 120, headSeq: 120, firstBroken: null, storedHeadSeq: 120 },
  ignoredCheckpoints: [],
  checkpoint: { seq: 100, keyId: '0123456789abcdef', signatureValid: true, keyTrusted: true, chainVerifiesFromIt: true },
  checkpoints: 1,
  events: 120,
  actions: [
    { action: 'agent.provisioned', count: 10 },
    { action: 'agent.transferred', count: 2 },
  ],
  transfers: { events: 2, onBoundary: 2, firstOffBoundarySeq: null },
});

export const encryption = (): EncryptionFacts => ({
  config: { file: 'platform/config/encryption.yaml', algorithm: 'AES-256-GCM', nonceBits: 96, ciphertextFormat: 'tev2', ciphertextPattern: '^tev[12]:', associatedData: 'table/column/row_id/owner' },
  keyring: {
    source: 'env',
    algorithm: 'AES-256-GCM',
    nonceBits: 96,
    activeVersion: 2,
    versions: [
      { version: 1, ageDays: 200, active: false },
      { version: 2, ageDays: 10, active: true },
    ],
  },
  columns: [
    {
      table: 'public.oauth_connections',
      column: 'access_token',
      rowIdColumn: 'id',
      ownerColumns: ['account_id', 'provider'],
      rows: 5,
      values: 5,
      malformed: 0,
      lengths: { min: 60, max: 90, avg: 70 },
      versions: [{ format: 'tev2', keyVersion: 2, count: 5 }],
      legacy: 0,
      binding: { checked: 5, opened: 5, limit: 2_000, failures: [], failureCount: 0, probed: 5, refusedElsewhere: 5 },
    },
    {
      table: 'public.agent_secrets',
      column: 'ciphertext',
      rowIdColumn: 'id',
      ownerColumns: ['account_id', 'agent_id', 'name'],
      rows: 3,
      values: 3,
      malformed: 0,
      lengths: { min: 60, max: 70, avg: 65 },
      versions: [
        { format: 'tev2', keyVersion: 1, count: 1 },
        { format: 'tev2', keyVersion: 2, count: 2 },
      ],
      legacy: 0,
      binding: { checked: 3, opened: 3, limit: 2_000, failures: [], failureCount: 0, probed: 3, refusedElsewhere: 3 },
    },
  ],
});

export const regions = (): RegionsFacts => ({
  config: {
    file: 'platform/config/regions.ts',
    regions: [
      { id: 'eu', location: 'hel1', priceCell: 'p_eu', products: ['agent', 'vm'] },
      { id: 'us', location: 'hil', priceCell: 'p_us', products: ['agent'] },
    ],
  },
  database: [
    { id: 'eu', location: 'hel1', priceCell: 'p_eu', products: ['agent', 'vm'] },
    { id: 'us', location: 'hil', priceCell: 'p_us', products: ['agent'] },
  ],
  resources: [
    { table: 'public.agents', region: 'us', product: 'agent', count: 4 },
    { table: 'public.vms', region: 'eu', product: 'vm', count: 2 },
  ],
  guards: [{ table: 'public.agents', triggers: [{ name: 'agents_region_fixed', function: 'public.reject_region_change', enabled: 'O' }] }],
});

export const privacy = (): PrivacyFacts => ({
  retention: {
    file: 'platform/config/retention.yaml',
    purgeWithinDays: 30,
    keptAfterPurge: ['audit_events'],
    rules: [
      { table: 'public.admin_access_log', timestampColumn: 'started_at', keepDays: 90, rows: 4, expiredRows: 0 },
      { table: 'public.sessions', timestampColumn: 'expires_at', keepDays: 30, rows: 9, expiredRows: 0 },
    ],
  },
  deletionRequests: { total: 3, open: 1, overdue: 0, completedLate: 0, maxDaysToComplete: 2.5, dueDateMismatch: 0 },
  jobs: [
    { job: 'retention.sessions', runs: 3, lastStatus: 'succeeded', hoursSinceLastSuccess: 5 },
    { job: 'privacy.account_purge', runs: 2, lastStatus: 'succeeded', hoursSinceLastSuccess: 1 },
  ],
  adminAccessLog: { rows: 4, oldestAgeDays: 30 },
  purgeLeftovers: [],
  purgeRequestsChecked: 2,
  adminAccessWitness: {
    events: 6,
    missingRows: 2,
    youngestMissing: [
      { seq: 40, logId: '2', ageDays: 95.5 },
      { seq: 12, logId: '1', ageDays: 120 },
    ],
  },
});

export const identity = (): IdentityFacts => ({
  passwords: { users: 3, byCost: [{ cost: 12, count: 3 }], notBcrypt: 0 },
  apiKeys: { keys: 2, sha256Hashes: 2, prefixMatchesTier: 2, byTier: [{ tier: 'read', count: 2 }] },
  sessions: { sessions: 4, sha256Tokens: 4, maxLifetimeHours: 12 },
});

export const code = (): CodeFacts => ({
  root: 'platform',
  files: 40,
  ciphers: [
    { file: 'platform/crypto/keyring.ts', line: 96, algorithmExpression: 'ALGORITHM', algorithm: 'aes-256-gcm', nonceSource: 'randomBytes', nonceExpression: 'nonce', nonceBytes: 12, setsAad: true },
  ],
  secretLogging: [],
  loggingCalls: 7,
  cookies: [{ file: 'platform/identity/session-cookie.ts', line: 10, kind: 'set_cookie_string', secure: true, httpOnly: true, sameSite: 'Strict' }],
  secretTableWrites: [{ file: 'platform/oauth/connections.ts', line: 40, table: 'oauth_connections', verb: 'INSERT', importsCrypto: true }],
  functions: [{ file: 'platform/tools/tool-controls.ts', line: 63, name: 'authorizeToolCall', calls: ['appendAuditEvent', 'withTransaction'] }],
  mathRandom: [{ file: 'platform/demo/prng.ts', line: 3 }],
});

export const config = (): ConfigFacts => ({
  catalogFile: 'controls/catalog.yaml',
  organisation: {
    name: 'Harbor Cloud',
    website: 'https://harborcloud.example',
    contact: 'security@harborcloud.example',
    disclosure: {
      contact: 'security@harborcloud.example',
      acknowledgementBusinessDays: 2,
      fixTargetDays: { critical: 7, high: 30, medium: 90, low: 180 },
      coordinatedDisclosureDays: 90,
      policyUrl: '/security/disclosure',
      preferredLanguages: ['en'],
    },
    subprocessors: [{ name: 'Example Hosting', purpose: 'compute and storage', location: 'EU', data: null }],
  },
  configFiles: [],
});

export const tools = (): ToolsFacts => ({
  config: { file: 'platform/config/tools.yaml', skills: { email: ['email.read', 'email.send'], web: ['web.fetch'] }, requiresApproval: ['email.send'] },
  allowed: [
    { tool: 'web.fetch', skill: 'web', enabledSkills: 'email,web', approval: 'none', approvalUses: 0, count: 3, firstSeq: 10, firstAgent: 'a1' },
    { tool: 'email.send', skill: null, enabledSkills: 'email,web', approval: 'approved_before', approvalUses: 1, count: 2, firstSeq: 14, firstAgent: 'a1' },
  ],
  approvals: [{ status: 'approved', used: true, requestedEvent: true, decidedEvent: true, allowedEvent: true, count: 2, first: 'p1' }],
});

/** A recent encrypted backup, unchanged since written, and a recent restore test that matched and refused a tampered copy. */
export const backups = (): BackupFacts => {
  const backup = { file: 'trust-2026-01-01.tbk', sha256: 'f'.repeat(64), database: 'trust', created_at: '2026-01-01T03:00:00.000Z' };
  return {
    database: 'trust',
    dir: '/var/backups/trust',
    dirExists: true,
    jobs: {
      backupLatest: { id: 20, status: 'succeeded', ageHours: 3, details: backup },
      backupLatestSucceeded: { id: 20, status: 'succeeded', ageHours: 3, details: backup },
      restoreLatest: {
        id: 21,
        status: 'succeeded',
        ageHours: 2,
        details: { file: backup.file, tables: 40, head_seq: 120, counts_match: true, head_match: true, chain_verified: true, tamper_refused: true },
      },
      restoreLatestSucceeded: {
        id: 21,
        status: 'succeeded',
        ageHours: 2,
        details: { file: backup.file, tables: 40, head_seq: 120, counts_match: true, head_match: true, chain_verified: true, tamper_refused: true },
      },
    },
    files: [{ name: backup.file, bytes: 40_960, kind: 'encrypted', header: { algorithm: 'aes-256-gcm', database: 'trust', createdAt: backup.created_at, keyVersion: 1 } }],
    latestFileSha256: backup.sha256,
  };
};

/** TLS on at 1.2+, only hostssl rules for the platform roles, verify-full clients, TLS sessions, plaintext logins refused. */
export const dbTls = (): DbTlsFacts => ({
  database: 'trust',
  settings: { ssl: 'on', minProtocol: 'TLSv1.2', unixSockets: '' },
  hba: [
    { line: 1, type: 'hostssl', database: ['trust'], users: ['trust_app', 'trust_reader'], address: '127.0.0.1/32', method: 'scram-sha-256', appliesTo: ['app', 'reader'], error: null },
    { line: 2, type: 'host', database: ['all'], users: ['all'], address: '0.0.0.0/0', method: 'reject', appliesTo: ['app', 'reader'], error: null },
  ],
  hbaError: null,
  sessions: [
    { role: 'app', ssl: true, version: 'TLSv1.3', application: 'platform', count: 2 },
    { role: 'reader', ssl: true, version: 'TLSv1.3', application: 'trust', count: 1 },
  ],
  clients: [
    { role: 'app', sslmode: 'verify-full', rootCert: true },
    { role: 'reader', sslmode: 'verify-full', rootCert: true },
  ],
  plaintextAttempts: [
    { role: 'reader', connected: false, sqlstate: '28000', message: 'pg_hba.conf rejects connection' },
    { role: 'app', connected: false, sqlstate: '28000', message: 'pg_hba.conf rejects connection' },
  ],
  notProbed: [],
});
