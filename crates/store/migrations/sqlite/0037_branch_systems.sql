-- A branch's systems (item 11: at least one working system; item 16: one or two organizational
-- systems such as 一会四评 and 群众推优), shown on its board. A system retired stays in the record.

CREATE TABLE branch_systems (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES orgs(id),
    kind TEXT NOT NULL,
    standard TEXT,
    name TEXT NOT NULL,
    body TEXT NOT NULL,
    adopted_on DATE NOT NULL,
    practice TEXT NOT NULL,
    retired_on DATE,
    created_ms INTEGER NOT NULL,
    updated_ms INTEGER NOT NULL
);
CREATE INDEX branch_systems_org ON branch_systems(org_id);
