-- Up Migration
-- Agent tool controls: skills are enabled per agent; a tool runs only when one of the
-- agent's enabled skills provides it (platform/config/tools.yaml), and gated tools need
-- an approved, unused approval first. Rows go with the agent.
CREATE TABLE agent_skills (
  agent_id uuid NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
  account_id uuid NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  skill text NOT NULL CHECK (skill ~ '^[a-z][a-z0-9_]{1,39}$'),
  enabled boolean NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (agent_id, skill)
);
CREATE INDEX ON agent_skills (account_id);

CREATE TABLE tool_approvals (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  agent_id uuid NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
  account_id uuid NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  tool text NOT NULL CHECK (tool ~ '^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$'),
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'denied')),
  requested_at timestamptz NOT NULL DEFAULT now(),
  decided_at timestamptz,
  decided_by text,
  used_at timestamptz,
  CONSTRAINT tool_approvals_decision_complete CHECK ((status = 'pending') = (decided_at IS NULL) AND (status = 'pending') = (decided_by IS NULL)),
  CONSTRAINT tool_approvals_used_only_if_approved CHECK (used_at IS NULL OR status = 'approved')
);
CREATE INDEX ON tool_approvals (account_id);
CREATE INDEX ON tool_approvals (agent_id, tool, status);

GRANT SELECT, INSERT, UPDATE, DELETE ON agent_skills, tool_approvals TO trust_app;
GRANT SELECT ON agent_skills, tool_approvals TO trust_reader;

-- Down Migration
DROP TABLE tool_approvals;
DROP TABLE agent_skills;
