-- The foundation: both trees, people and memberships, accounts and grants, relations, sessions,
-- login throttling and the append-only audit log. Dates are ISO text; moments are Unix ms.

CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE units (
    id INTEGER PRIMARY KEY,
    parent_id INTEGER REFERENCES units(id),
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    path TEXT NOT NULL UNIQUE,
    depth INTEGER NOT NULL,
    closed_on TEXT,
    created_ms INTEGER NOT NULL
);
CREATE INDEX units_parent ON units(parent_id);

CREATE TABLE orgs (
    id INTEGER PRIMARY KEY,
    parent_id INTEGER REFERENCES orgs(id),
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    category TEXT,
    linked_unit_id INTEGER REFERENCES units(id),
    path TEXT NOT NULL UNIQUE,
    depth INTEGER NOT NULL,
    closed_on TEXT,
    created_ms INTEGER NOT NULL
);
CREATE INDEX orgs_parent ON orgs(parent_id);

CREATE TABLE people (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    number TEXT NOT NULL UNIQUE,
    gender TEXT,
    political_status TEXT NOT NULL,
    dev_stage TEXT,
    cadre_rank TEXT,
    email TEXT,
    phone TEXT,
    id_number TEXT,
    left_on TEXT,
    created_ms INTEGER NOT NULL,
    updated_ms INTEGER NOT NULL
);
CREATE INDEX people_name ON people(name);
CREATE INDEX people_status ON people(political_status);

CREATE TABLE org_memberships (
    id INTEGER PRIMARY KEY,
    person_id INTEGER NOT NULL REFERENCES people(id),
    org_id INTEGER NOT NULL REFERENCES orgs(id),
    post TEXT NOT NULL,
    start_date TEXT NOT NULL,
    end_date TEXT,
    end_reason TEXT
);
CREATE INDEX org_memberships_person ON org_memberships(person_id);
CREATE INDEX org_memberships_org ON org_memberships(org_id);
CREATE UNIQUE INDEX org_memberships_active ON org_memberships(person_id, org_id) WHERE end_date IS NULL;

CREATE TABLE unit_memberships (
    id INTEGER PRIMARY KEY,
    person_id INTEGER NOT NULL REFERENCES people(id),
    unit_id INTEGER NOT NULL REFERENCES units(id),
    position TEXT,
    start_date TEXT NOT NULL,
    end_date TEXT,
    end_reason TEXT
);
CREATE INDEX unit_memberships_person ON unit_memberships(person_id);
CREATE INDEX unit_memberships_unit ON unit_memberships(unit_id);
CREATE UNIQUE INDEX unit_memberships_active ON unit_memberships(person_id, unit_id) WHERE end_date IS NULL;

CREATE TABLE accounts (
    id INTEGER PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    person_id INTEGER UNIQUE REFERENCES people(id),
    password_hash TEXT NOT NULL,
    is_demo BOOLEAN NOT NULL DEFAULT FALSE,
    must_change_password BOOLEAN NOT NULL DEFAULT TRUE,
    lang TEXT NOT NULL DEFAULT 'zh',
    disabled BOOLEAN NOT NULL DEFAULT FALSE,
    created_ms INTEGER NOT NULL,
    last_login_ms INTEGER
);

CREATE TABLE role_grants (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts(id),
    role TEXT NOT NULL,
    org_id INTEGER REFERENCES orgs(id),
    start_date TEXT NOT NULL,
    end_date TEXT,
    granted_by INTEGER REFERENCES accounts(id),
    approved_by INTEGER REFERENCES accounts(id),
    created_ms INTEGER NOT NULL
);
CREATE INDEX role_grants_account ON role_grants(account_id);
CREATE UNIQUE INDEX role_grants_active ON role_grants(account_id, role, COALESCE(org_id, 0)) WHERE end_date IS NULL;

CREATE TABLE auditor_requests (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts(id),
    requested_by INTEGER NOT NULL REFERENCES accounts(id),
    requested_as TEXT NOT NULL,
    state TEXT NOT NULL,
    decided_by INTEGER REFERENCES accounts(id),
    created_ms INTEGER NOT NULL,
    decided_ms INTEGER
);
CREATE UNIQUE INDEX auditor_requests_pending ON auditor_requests(account_id) WHERE state = 'pending';

CREATE TABLE relations (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    person_id INTEGER NOT NULL REFERENCES people(id),
    org_id INTEGER REFERENCES orgs(id),
    unit_id INTEGER REFERENCES units(id),
    start_date TEXT NOT NULL,
    end_date TEXT,
    created_by INTEGER REFERENCES accounts(id),
    created_ms INTEGER NOT NULL
);
CREATE INDEX relations_person ON relations(person_id);
CREATE INDEX relations_org ON relations(org_id);
CREATE INDEX relations_unit ON relations(unit_id);
CREATE UNIQUE INDEX relations_active ON relations(kind, person_id, COALESCE(org_id, 0), COALESCE(unit_id, 0)) WHERE end_date IS NULL;

CREATE TABLE sessions (
    id_hash TEXT PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts(id),
    csrf TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    seen_ms INTEGER NOT NULL,
    expires_ms INTEGER NOT NULL,
    ip TEXT,
    user_agent TEXT
);
CREATE INDEX sessions_account ON sessions(account_id);

CREATE TABLE login_throttle (
    key TEXT PRIMARY KEY,
    failures INTEGER NOT NULL,
    last_ms INTEGER NOT NULL
);

CREATE TABLE audit_log (
    seq INTEGER PRIMARY KEY,
    at_ms INTEGER NOT NULL,
    actor_account INTEGER,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    entity TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    before_json TEXT,
    after_json TEXT,
    prev_hash TEXT NOT NULL UNIQUE,
    hash TEXT NOT NULL UNIQUE
);
CREATE INDEX audit_log_entity ON audit_log(entity, entity_id);

-- The database itself refuses to change or remove an audit entry.
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
