-- Public commitments (issue 6, item 3): requirements handed down, commitments with their
-- revisions, progress reports with evidence, and the public board's settings.

-- A requirement (争创要求) addressed to an organization, for it and (a branch) its members;
-- parent_id is the requirement of a level above that it splits.
CREATE TABLE commitment_requirements (
    id INTEGER PRIMARY KEY,
    campaign_id INTEGER NOT NULL REFERENCES campaigns(id),
    org_id INTEGER NOT NULL REFERENCES orgs(id),
    parent_id INTEGER REFERENCES commitment_requirements(id),
    title TEXT NOT NULL,
    text TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_ms INTEGER NOT NULL
);
CREATE INDEX commitment_requirements_org ON commitment_requirements(campaign_id, org_id);

-- A commitment, owed through a task whose deliverable is `commitment` (the task names the
-- owner, the deadline and the reviewer). The text is the one in force: once approved, a change
-- waits in commitment_revisions (pending_revision) until the reviewer approves it.
CREATE TABLE commitments (
    id INTEGER PRIMARY KEY,
    task_id INTEGER NOT NULL REFERENCES tasks(id),
    campaign_id INTEGER NOT NULL REFERENCES campaigns(id),
    requirement_id INTEGER REFERENCES commitment_requirements(id),
    category TEXT NOT NULL,
    content TEXT NOT NULL,
    measures TEXT NOT NULL,
    target TEXT NOT NULL,
    due DATE NOT NULL,
    state TEXT NOT NULL,
    percent INTEGER NOT NULL DEFAULT 0,
    first_submitted DATE,
    approved_ms INTEGER,
    version INTEGER NOT NULL DEFAULT 1,
    pending_revision INTEGER,
    created_ms INTEGER NOT NULL,
    updated_ms INTEGER NOT NULL
);
CREATE INDEX commitments_task ON commitments(task_id);
CREATE INDEX commitments_campaign ON commitments(campaign_id, state);

-- Every version handed in for review, with the decision on it.
CREATE TABLE commitment_revisions (
    id INTEGER PRIMARY KEY,
    commitment_id INTEGER NOT NULL REFERENCES commitments(id),
    version INTEGER NOT NULL,
    fields_json TEXT NOT NULL,
    submitted_by TEXT NOT NULL,
    submitted_ms INTEGER NOT NULL,
    decision TEXT,
    comment TEXT,
    decided_by TEXT,
    decided_ms INTEGER
);
CREATE INDEX commitment_revisions_commitment ON commitment_revisions(commitment_id);

-- 践诺: dated progress reports with a percentage, and their evidence.
CREATE TABLE commitment_progress (
    id INTEGER PRIMARY KEY,
    commitment_id INTEGER NOT NULL REFERENCES commitments(id),
    day DATE NOT NULL,
    percent INTEGER NOT NULL,
    text TEXT NOT NULL,
    reported_by TEXT NOT NULL,
    created_ms INTEGER NOT NULL
);
CREATE INDEX commitment_progress_commitment ON commitment_progress(commitment_id);

CREATE TABLE commitment_evidence (
    id INTEGER PRIMARY KEY,
    progress_id INTEGER NOT NULL REFERENCES commitment_progress(id),
    filename TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    data BLOB NOT NULL
);
CREATE INDEX commitment_evidence_progress ON commitment_evidence(progress_id);

-- The public board of a campaign: whether readers without an account see it, and which fields.
CREATE TABLE commitment_boards (
    campaign_id INTEGER PRIMARY KEY REFERENCES campaigns(id),
    open_to_public BOOLEAN NOT NULL DEFAULT FALSE,
    fields TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    updated_ms INTEGER NOT NULL
);
