-- Transfers of a member's Party relation (组织关系转接, issue 20): the receiving branch or group
-- asks for a person; the organization they belong to now, or a level above it, accepts or
-- refuses (the level above the receiving one when they belong to none). On acceptance the old
-- membership ends and the new one starts the same day; both stay in the person's history.

CREATE TABLE org_transfers (
    id INTEGER PRIMARY KEY,
    person_id INTEGER NOT NULL REFERENCES people(id),
    from_org_id INTEGER REFERENCES orgs(id),
    from_membership_id INTEGER REFERENCES org_memberships(id),
    to_org_id INTEGER NOT NULL REFERENCES orgs(id),
    note TEXT NOT NULL,
    state TEXT NOT NULL,
    requested_by INTEGER NOT NULL,
    requested_ms INTEGER NOT NULL,
    decided_by INTEGER,
    decided_ms INTEGER,
    decided_on TEXT,
    decision_note TEXT
);
CREATE INDEX org_transfers_person ON org_transfers(person_id);
CREATE INDEX org_transfers_state ON org_transfers(state);
