-- Care visits (走访慰问, item 13): the office's rounds (a holiday, with its dates), the people
-- to visit with why (for the office and the Party organizations above them only) and who is
-- to visit them (their branch, else their unit), and each visit recorded with who went, what
-- was given and its value, and photos.

CREATE TABLE care_rounds (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    starts_on DATE NOT NULL,
    ends_on DATE NOT NULL,
    created_ms INTEGER NOT NULL
);

CREATE TABLE care_targets (
    id INTEGER PRIMARY KEY,
    round_id INTEGER NOT NULL REFERENCES care_rounds(id),
    person_id INTEGER NOT NULL REFERENCES people(id),
    reason TEXT NOT NULL,
    org_id INTEGER REFERENCES orgs(id),
    unit_id INTEGER REFERENCES units(id),
    UNIQUE (round_id, person_id)
);
CREATE INDEX care_targets_round ON care_targets(round_id);

CREATE TABLE care_visits (
    id INTEGER PRIMARY KEY,
    target_id INTEGER NOT NULL UNIQUE REFERENCES care_targets(id),
    on_day DATE NOT NULL,
    visitors TEXT NOT NULL,
    gifts TEXT NOT NULL,
    amount_fen INTEGER NOT NULL,
    note TEXT,
    recorded_by INTEGER NOT NULL,
    created_ms INTEGER NOT NULL
);

CREATE TABLE care_visit_photos (
    id INTEGER PRIMARY KEY,
    visit_id INTEGER NOT NULL REFERENCES care_visits(id),
    content_type TEXT NOT NULL,
    data BLOB NOT NULL
);
CREATE INDEX care_visit_photos_visit ON care_visit_photos(visit_id);
