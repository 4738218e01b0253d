-- Paper forms, advisory ratings, window standards and inspections (issue 5).

-- Serial numbers printed on paper forms; a paper response names one (its voter is s<serial>,
-- so the participation key refuses a second entry of the same form).
CREATE TABLE survey_paper_serials (
    survey_id INTEGER NOT NULL REFERENCES surveys(id),
    serial TEXT NOT NULL,
    issued_ms INTEGER NOT NULL,
    PRIMARY KEY (survey_id, serial)
);

-- Ratings made without logging in (a window's QR page): kept apart, never in a rate or award.
CREATE TABLE survey_advisory (
    id INTEGER PRIMARY KEY,
    survey_id INTEGER NOT NULL REFERENCES surveys(id),
    target_id INTEGER NOT NULL,
    day DATE NOT NULL,
    answers_json TEXT NOT NULL
);
CREATE INDEX survey_advisory_survey ON survey_advisory(survey_id, target_id);

-- Each unit's evaluation standards for its windows (item 9): checklist items with weights.
CREATE TABLE window_standards (
    id INTEGER PRIMARY KEY,
    unit_id INTEGER NOT NULL REFERENCES units(id),
    item TEXT NOT NULL,
    weight INTEGER NOT NULL,
    sort INTEGER NOT NULL,
    retired BOOLEAN NOT NULL DEFAULT FALSE,
    created_ms INTEGER NOT NULL
);
CREATE INDEX window_standards_unit ON window_standards(unit_id);

-- On-site inspections: a window scored against its unit's standards (0-100 per item), with the
-- weighted score kept in hundredths.
CREATE TABLE inspections (
    id INTEGER PRIMARY KEY,
    window_id INTEGER NOT NULL REFERENCES units(id),
    standards_unit_id INTEGER NOT NULL REFERENCES units(id),
    inspector TEXT NOT NULL,
    inspector_account INTEGER REFERENCES accounts(id),
    day DATE NOT NULL,
    scores_json TEXT NOT NULL,
    score_x100 INTEGER NOT NULL,
    notes TEXT,
    created_ms INTEGER NOT NULL
);
CREATE INDEX inspections_window ON inspections(window_id);

CREATE TABLE inspection_photos (
    id INTEGER PRIMARY KEY,
    inspection_id INTEGER NOT NULL REFERENCES inspections(id),
    filename TEXT NOT NULL,
    content_type TEXT NOT NULL,
    data BLOB NOT NULL
);
CREATE INDEX inspection_photos_inspection ON inspection_photos(inspection_id);
