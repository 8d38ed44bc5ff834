-- Up Migration
-- An agent's secrets, skills and approvals follow it when it is transferred to
-- another account (agents.account_id changes inside agent_transfer), so row-level
-- security keeps them with their agent and the old account keeps none of them.
CREATE FUNCTION agents_carry_owned_rows() RETURNS trigger LANGUAGE plpgsql AS $f$
BEGIN
  UPDATE agent_secrets SET account_id = NEW.account_id WHERE agent_id = NEW.id;
  UPDATE agent_skills SET account_id = NEW.account_id WHERE agent_id = NEW.id;
  UPDATE tool_approvals SET account_id = NEW.account_id WHERE agent_id = NEW.id;
  RETURN NULL;
END $f$;
CREATE TRIGGER agents_carry_owned_rows AFTER UPDATE OF account_id ON agents
  FOR EACH ROW WHEN (NEW.account_id IS DISTINCT FROM OLD.account_id) EXECUTE FUNCTION agents_carry_owned_rows();

-- Down Migration
DROP TRIGGER agents_carry_owned_rows ON agents;
DROP FUNCTION agents_carry_owned_rows();
