-- Research projects (item 18): the office's call, applications with their team and blind
-- section (活页) and its files, the secondary organizations' forwards within quota, the experts
-- (recused from their own organization's) and their score sheets, one per application each.
CREATE TABLE research_calls (
    id INTEGER PRIMARY KEY,
    campaign_id INTEGER NOT NULL REFERENCES campaigns(id),
    title TEXT NOT NULL,
    deadline DATE NOT NULL,
    categories TEXT NOT NULL,
    criteria TEXT NOT NULL,
    trim_extremes BOOLEAN NOT NULL,
    funded INTEGER NOT NULL,
    quota INTEGER NOT NULL,
    notice_days INTEGER NOT NULL,
    stage TEXT NOT NULL,
    tie_order TEXT NOT NULL,
    tie_reason TEXT,
    notice_from DATE,
    notice_until DATE,
    decision TEXT,
    created_ms INTEGER NOT NULL
);
CREATE TABLE research_experts (
    id INTEGER PRIMARY KEY,
    call_id INTEGER NOT NULL REFERENCES research_calls(id),
    account_id INTEGER NOT NULL REFERENCES accounts(id),
    code TEXT NOT NULL,
    person_id INTEGER REFERENCES people(id),
    -- The colleges (paths, one per line) the expert is recused from: their own, and those they keep.
    recused TEXT NOT NULL,
    UNIQUE (call_id, account_id),
    UNIQUE (call_id, code)
);
CREATE TABLE research_applications (
    id INTEGER PRIMARY KEY,
    call_id INTEGER NOT NULL REFERENCES research_calls(id),
    code TEXT NOT NULL,
    applicant_person_id INTEGER NOT NULL REFERENCES people(id),
    applicant_account_id INTEGER NOT NULL,
    org_id INTEGER NOT NULL REFERENCES orgs(id),
    category TEXT NOT NULL,
    title TEXT NOT NULL,
    budget INTEGER NOT NULL,
    blind TEXT NOT NULL,
    state TEXT NOT NULL,
    state_comment TEXT,
    funding INTEGER,
    created_ms INTEGER NOT NULL,
    forwarded_ms INTEGER,
    UNIQUE (call_id, code)
);
CREATE INDEX research_applications_call ON research_applications(call_id, state);
CREATE TABLE research_team (
    application_id INTEGER NOT NULL REFERENCES research_applications(id),
    person_id INTEGER NOT NULL REFERENCES people(id),
    position INTEGER NOT NULL,
    PRIMARY KEY (application_id, person_id)
);
CREATE TABLE research_files (
    id INTEGER PRIMARY KEY,
    application_id INTEGER NOT NULL REFERENCES research_applications(id),
    name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    data BLOB NOT NULL
);
CREATE INDEX research_files_application ON research_files(application_id);
CREATE TABLE research_sheets (
    id INTEGER PRIMARY KEY,
    application_id INTEGER NOT NULL REFERENCES research_applications(id),
    expert_id INTEGER NOT NULL REFERENCES research_experts(id),
    scores TEXT NOT NULL,
    submitted_ms INTEGER NOT NULL,
    UNIQUE (application_id, expert_id)
);
