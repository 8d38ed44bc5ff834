/** Every check, listed explicitly. Control files may reference only these ids. */
import type { CheckDefinition } from './types.ts';
import adminAccessLogKept from './admin-access-log-kept.ts';
import adminAccessLogRetention from './admin-access-log-retention.ts';
import apiKeysHashed from './api-keys-hashed.ts';
import auditActionsRecorded from './audit-actions-recorded.ts';
import auditChainIntact from './audit-chain-intact.ts';
import auditCheckpointSigned from './audit-checkpoint-signed.ts';
import auditHeadWitnessed from './audit-head-witnessed.ts';
import backupsEncryptedRestored from './backups-encrypted-restored.ts';
import checkConstraint from './check-constraint.ts';
import ciphertextsBoundToOwner from './ciphertexts-bound-to-owner.ts';
import cipherUsage from './cipher-usage.ts';
import columnCommentContains from './column-comment-contains.ts';
import columnGuardedImmutable from './column-guarded-immutable.ts';
import columnsEncrypted from './columns-encrypted.ts';
import cookieFlags from './cookie-flags.ts';
import dbConnectionsTls from './db-connections-tls.ts';
import functionCalls from './function-calls.ts';
import deletionRequestsOnTime from './deletion-requests-on-time.ts';
import disclosurePolicyComplete from './disclosure-policy-complete.ts';
import disclosurePublished from './disclosure-published.ts';
import exclusionConstraint from './exclusion-constraint.ts';
import foreignKey from './foreign-key.ts';
import keyringAlgorithm from './keyring-algorithm.ts';
import keysRotatedWithin from './keys-rotated-within.ts';
import noContentColumns from './no-content-columns.ts';
import noForeignKey from './no-foreign-key.ts';
import noMathRandom from './no-math-random.ts';
import noSecretLogging from './no-secret-logging.ts';
import passwordHashesStrong from './password-hashes-strong.ts';
import probeRefused from './probe-refused.ts';
import purgedAccountsEmpty from './purged-accounts-empty.ts';
import regionsMatchConfig from './regions-match-config.ts';
import resourcesInAllowedRegions from './resources-in-allowed-regions.ts';
import retentionEnforced from './retention-enforced.ts';
import retentionJobRecent from './retention-job-recent.ts';
import rlsForcedOnAccountTables from './rls-forced-on-account-tables.ts';
import roleNotPrivileged from './role-not-privileged.ts';
import roleReadOnly from './role-read-only.ts';
import secretWritesConfined from './secret-writes-confined.ts';
import subprocessorsListed from './subprocessors-listed.ts';
import tableAppendOnly from './table-append-only.ts';
import tableColumns from './table-columns.ts';
import toolApprovalsHonoured from './tool-approvals-honoured.ts';
import toolDecisionsRecorded from './tool-decisions-recorded.ts';
import toolDecisionsWithinSkills from './tool-decisions-within-skills.ts';
import transferBoundariesRecorded from './transfer-boundaries-recorded.ts';
import triggerPresent from './trigger-present.ts';
import uniqueConstraint from './unique-constraint.ts';
import vendorSdksPublished from './vendor-sdks-published.ts';
import vmBootConfig from './vm-boot-config.ts';
// The generic profile's checks (trust inspect; see profiles.ts), usable from controls too.
import { GENERIC_PROFILE } from './profiles.ts';

// Data proofs of the agent and resource lifecycle (collectors/lifecycle.ts).
import destroyedAgentHistoryKept from './destroyed-agent-history-kept.ts';
import destroyedAgentRemainsRemoved from './destroyed-agent-remains-removed.ts';
import historyAttributedToOwner from './history-attributed-to-owner.ts';
import imageMatchesProvisioningEvent from './image-matches-provisioning-event.ts';
import lifecycleEventsWitnessSubjects from './lifecycle-events-witness-subjects.ts';
import regionMatchesProvisioningEvent from './region-matches-provisioning-event.ts';
import resourcesDedicatedInRows from './resources-dedicated-in-rows.ts';
import statePeriodsTile from './state-periods-tile.ts';
import usageMatchesPeriods from './usage-matches-periods.ts';

export const CHECKS: CheckDefinition[] = [
  adminAccessLogKept,
  adminAccessLogRetention,
  apiKeysHashed,
  auditActionsRecorded,
  auditChainIntact,
  auditCheckpointSigned,
  auditHeadWitnessed,
  backupsEncryptedRestored,
  checkConstraint,
  ciphertextsBoundToOwner,
  cipherUsage,
  columnCommentContains,
  columnGuardedImmutable,
  columnsEncrypted,
  cookieFlags,
  dbConnectionsTls,
  functionCalls,
  deletionRequestsOnTime,
  disclosurePolicyComplete,
  disclosurePublished,
  exclusionConstraint,
  foreignKey,
  keyringAlgorithm,
  keysRotatedWithin,
  noContentColumns,
  noForeignKey,
  noMathRandom,
  noSecretLogging,
  passwordHashesStrong,
  probeRefused,
  purgedAccountsEmpty,
  regionsMatchConfig,
  resourcesInAllowedRegions,
  retentionEnforced,
  retentionJobRecent,
  rlsForcedOnAccountTables,
  roleNotPrivileged,
  roleReadOnly,
  secretWritesConfined,
  subprocessorsListed,
  tableAppendOnly,
  tableColumns,
  toolApprovalsHonoured,
  toolDecisionsRecorded,
  toolDecisionsWithinSkills,
  transferBoundariesRecorded,
  triggerPresent,
  uniqueConstraint,
  vendorSdksPublished,
  vmBootConfig,
  // the generic profile's checks
  ...GENERIC_PROFILE.map((e) => e.check),
  // lifecycle data proofs
  destroyedAgentHistoryKept,
  destroyedAgentRemainsRemoved,
  historyAttributedToOwner,
  imageMatchesProvisioningEvent,
  lifecycleEventsWitnessSubjects,
  regionMatchesProvisioningEvent,
  resourcesDedicatedInRows,
  statePeriodsTile,
  usageMatchesPeriods,
];

export function findCheck(id: string): CheckDefinition | undefined {
  return CHECKS.find((c) => c.id === id);
}
