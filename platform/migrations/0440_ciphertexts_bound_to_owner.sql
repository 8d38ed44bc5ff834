-- Up Migration
-- Ciphertexts bound to their owner (issue 13, defect 9). The keyring now writes `tev2`,
-- whose GCM associated data binds table, column, row id and the row's owner columns
-- (platform/config/encryption.yaml `owner_columns`); `tev1` bound the row id only, so a row
-- re-pointed at another account's agent still decrypted for it. tev1 values stay readable
-- until `trust keys rotate` re-encrypts them as tev2 (platform/crypto/keyring.ts says why),
-- so the shape CHECKs accept both, tev2 first; a later migration drops the tev1 branch once
-- every deployment has rotated. The constraints keep their names (controls refer to them).
ALTER TABLE oauth_connections DROP CONSTRAINT oauth_access_token_ciphertext;
ALTER TABLE oauth_connections ADD CONSTRAINT oauth_access_token_ciphertext
  CHECK (access_token ~ '^tev2:[1-9][0-9]{0,5}:[A-Za-z0-9_-]{38,}$' OR access_token ~ '^tev1:[1-9][0-9]{0,5}:[A-Za-z0-9_-]{38,}$');
ALTER TABLE oauth_connections DROP CONSTRAINT oauth_refresh_token_ciphertext;
ALTER TABLE oauth_connections ADD CONSTRAINT oauth_refresh_token_ciphertext
  CHECK (refresh_token ~ '^tev2:[1-9][0-9]{0,5}:[A-Za-z0-9_-]{38,}$' OR refresh_token ~ '^tev1:[1-9][0-9]{0,5}:[A-Za-z0-9_-]{38,}$');
ALTER TABLE agent_secrets DROP CONSTRAINT agent_secrets_ciphertext;
ALTER TABLE agent_secrets ADD CONSTRAINT agent_secrets_ciphertext
  CHECK (ciphertext ~ '^tev2:[1-9][0-9]{0,5}:[A-Za-z0-9_-]{38,}$' OR ciphertext ~ '^tev1:[1-9][0-9]{0,5}:[A-Za-z0-9_-]{38,}$');
COMMENT ON COLUMN oauth_connections.access_token IS 'AES-256-GCM ciphertext bound to row and owner (platform/config/encryption.yaml)';
COMMENT ON COLUMN oauth_connections.refresh_token IS 'AES-256-GCM ciphertext bound to row and owner (platform/config/encryption.yaml)';
COMMENT ON COLUMN agent_secrets.ciphertext IS 'AES-256-GCM ciphertext bound to row, account, agent and name (platform/config/encryption.yaml); deleted with its agent';

-- The secret guard on audit details (0200, as 0420 re-created it) refuses a keyring
-- ciphertext in either format, not only tev1: the same WHEN clause with `tev_:` and
-- `tev[0-9]:` where it had `tev1:`.
DROP TRIGGER audit_events_no_secrets ON audit_events;
CREATE TRIGGER audit_events_no_secrets BEFORE INSERT ON audit_events FOR EACH ROW WHEN (
  lower(NEW.details::text) LIKE ANY (ARRAY['%tev_:%', '%hck\_%', '%hcv\_%', '%$2%', '%password": %', '%secret": %', '%token": %', '%api\_key": %'])
  AND (NEW.details::text ~ '(tev[0-9]:[0-9]+:|hck_(read|manage|admin)_[0-9a-f]{8,}|hcv_[0-9a-f]{8,}|\$2[aby]\$[0-9]{2}\$)'
    OR lower(NEW.details::text) LIKE ANY (ARRAY['%password": %', '%secret": %', '%token": %', '%api\_key": %']))
) EXECUTE FUNCTION audit_details_no_secrets();
ALTER TABLE audit_events ENABLE ALWAYS TRIGGER audit_events_no_secrets;

-- Down Migration
-- Fails while a tev2 value is stored: rotate with the previous release first.
DROP TRIGGER audit_events_no_secrets ON audit_events;
CREATE TRIGGER audit_events_no_secrets BEFORE INSERT ON audit_events FOR EACH ROW WHEN (
  lower(NEW.details::text) LIKE ANY (ARRAY['%tev1:%', '%hck\_%', '%hcv\_%', '%$2%', '%password": %', '%secret": %', '%token": %', '%api\_key": %'])
  AND (NEW.details::text ~ '(tev1:[0-9]+:|hck_(read|manage|admin)_[0-9a-f]{8,}|hcv_[0-9a-f]{8,}|\$2[aby]\$[0-9]{2}\$)'
    OR lower(NEW.details::text) LIKE ANY (ARRAY['%password": %', '%secret": %', '%token": %', '%api\_key": %']))
) EXECUTE FUNCTION audit_details_no_secrets();
ALTER TABLE audit_events ENABLE ALWAYS TRIGGER audit_events_no_secrets;
COMMENT ON COLUMN oauth_connections.access_token IS 'AES-256-GCM ciphertext (platform/config/encryption.yaml)';
COMMENT ON COLUMN oauth_connections.refresh_token IS 'AES-256-GCM ciphertext (platform/config/encryption.yaml)';
COMMENT ON COLUMN agent_secrets.ciphertext IS 'AES-256-GCM ciphertext (platform/config/encryption.yaml); deleted with its agent';
ALTER TABLE agent_secrets DROP CONSTRAINT agent_secrets_ciphertext;
ALTER TABLE agent_secrets ADD CONSTRAINT agent_secrets_ciphertext CHECK (ciphertext ~ '^tev1:[1-9][0-9]{0,5}:[A-Za-z0-9_-]{38,}$');
ALTER TABLE oauth_connections DROP CONSTRAINT oauth_refresh_token_ciphertext;
ALTER TABLE oauth_connections ADD CONSTRAINT oauth_refresh_token_ciphertext CHECK (refresh_token ~ '^tev1:[1-9][0-9]{0,5}:[A-Za-z0-9_-]{38,}$');
ALTER TABLE oauth_connections DROP CONSTRAINT oauth_access_token_ciphertext;
ALTER TABLE oauth_connections ADD CONSTRAINT oauth_access_token_ciphertext CHECK (access_token ~ '^tev1:[1-9][0-9]{0,5}:[A-Za-z0-9_-]{38,}$');
