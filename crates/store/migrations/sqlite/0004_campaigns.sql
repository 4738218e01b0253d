-- Campaigns: a year's plan as data (phases, the working-day calendar, work items, task
-- templates), the tasks fanned out to every owner, submissions with attachments, reviews,
-- notifications, and the secret tokens of calendar feeds.
CREATE TABLE campaigns (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    year INTEGER NOT NULL,
    office_unit_id INTEGER REFERENCES units(id),
    plan_json TEXT NOT NULL,
    plan_source TEXT NOT NULL,
    plan_sha256 TEXT NOT NULL,
    state TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    closed_ms INTEGER
);

CREATE TABLE task_templates (
    id INTEGER PRIMARY KEY,
    campaign_id INTEGER NOT NULL REFERENCES campaigns(id),
    code TEXT NOT NULL,
    item INTEGER,
    title TEXT NOT NULL,
    description TEXT,
    owners TEXT NOT NULL,
    owners_json TEXT NOT NULL,
    deliverable_json TEXT NOT NULL,
    from_date TEXT,
    due_date TEXT,
    wording TEXT,
    reviewer TEXT NOT NULL,
    due_edited_by TEXT,
    due_edited_ms INTEGER,
    sort INTEGER NOT NULL,
    retired BOOLEAN NOT NULL DEFAULT FALSE,
    UNIQUE (campaign_id, code)
);

CREATE TABLE tasks (
    id INTEGER PRIMARY KEY,
    template_id INTEGER NOT NULL REFERENCES task_templates(id),
    campaign_id INTEGER NOT NULL REFERENCES campaigns(id),
    org_id INTEGER REFERENCES orgs(id),
    unit_id INTEGER REFERENCES units(id),
    person_id INTEGER REFERENCES people(id),
    owner_key TEXT NOT NULL,
    state TEXT NOT NULL,
    extended_due TEXT,
    extended_reason TEXT,
    resubmit_due TEXT,
    first_submitted TEXT,
    last_submitted_ms INTEGER,
    decided_ms INTEGER,
    created_ms INTEGER NOT NULL,
    UNIQUE (template_id, owner_key)
);
CREATE INDEX tasks_campaign ON tasks(campaign_id, state);
CREATE INDEX tasks_org ON tasks(org_id);
CREATE INDEX tasks_unit ON tasks(unit_id);
CREATE INDEX tasks_person ON tasks(person_id);

CREATE TABLE submissions (
    id INTEGER PRIMARY KEY,
    task_id INTEGER NOT NULL REFERENCES tasks(id),
    body TEXT,
    number_value TEXT,
    checklist_json TEXT,
    submitted_by TEXT NOT NULL,
    submitted_ms INTEGER NOT NULL
);
CREATE INDEX submissions_task ON submissions(task_id);

CREATE TABLE attachments (
    id INTEGER PRIMARY KEY,
    submission_id INTEGER NOT NULL REFERENCES submissions(id),
    filename TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    data BLOB NOT NULL
);
CREATE INDEX attachments_submission ON attachments(submission_id);

CREATE TABLE reviews (
    id INTEGER PRIMARY KEY,
    task_id INTEGER NOT NULL REFERENCES tasks(id),
    action TEXT NOT NULL,
    comment TEXT,
    new_due TEXT,
    reviewer TEXT NOT NULL,
    at_ms INTEGER NOT NULL
);
CREATE INDEX reviews_task ON reviews(task_id);

CREATE TABLE notifications (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts(id),
    kind TEXT NOT NULL,
    task_id INTEGER REFERENCES tasks(id),
    zh TEXT NOT NULL,
    en TEXT NOT NULL,
    dedupe TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    read_ms INTEGER,
    UNIQUE (account_id, dedupe)
);
CREATE INDEX notifications_account ON notifications(account_id, read_ms);

CREATE TABLE feed_tokens (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts(id),
    token_hash TEXT NOT NULL UNIQUE,
    created_ms INTEGER NOT NULL,
    revoked_ms INTEGER
);
CREATE INDEX feed_tokens_account ON feed_tokens(account_id);
