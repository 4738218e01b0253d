-- Appraisal rounds (评议, issue 7): who is appraised, by which groups with which weights, on which
-- criteria and scale; one appraisal per rater per subject (the key); the grades a branch records
-- in 民主评议党员, and the follow-up cases a 不合格 grade opens.

CREATE TABLE appraisal_rounds (
    id INTEGER PRIMARY KEY,
    campaign_id INTEGER NOT NULL REFERENCES campaigns(id),
    title TEXT NOT NULL,
    subject_kind TEXT NOT NULL,
    scope_org_id INTEGER REFERENCES orgs(id),
    scope_unit_id INTEGER REFERENCES units(id),
    scale TEXT NOT NULL,
    weights_json TEXT NOT NULL,
    grades_json TEXT,
    quota INTEGER,
    opens DATE NOT NULL,
    closes DATE NOT NULL,
    created_by TEXT NOT NULL,
    created_ms INTEGER NOT NULL
);
CREATE INDEX appraisal_rounds_campaign ON appraisal_rounds(campaign_id);

-- A subject with its criteria (for a window: the standards its unit set, frozen with the round).
CREATE TABLE appraisal_subjects (
    id INTEGER PRIMARY KEY,
    round_id INTEGER NOT NULL REFERENCES appraisal_rounds(id),
    person_id INTEGER REFERENCES people(id),
    org_id INTEGER REFERENCES orgs(id),
    unit_id INTEGER REFERENCES units(id),
    name TEXT NOT NULL,
    path TEXT NOT NULL,
    criteria_json TEXT NOT NULL
);
CREATE INDEX appraisal_subjects_round ON appraisal_subjects(round_id);

CREATE TABLE appraisal_ratings (
    round_id INTEGER NOT NULL REFERENCES appraisal_rounds(id),
    subject_id INTEGER NOT NULL REFERENCES appraisal_subjects(id),
    rater_id INTEGER NOT NULL REFERENCES people(id),
    grp TEXT NOT NULL,
    values_json TEXT NOT NULL,
    comment TEXT,
    day DATE NOT NULL,
    PRIMARY KEY (round_id, subject_id, rater_id)
);

-- 民主评议党员: the grade the branch decided, the advice of the computed score, and why they differ.
CREATE TABLE appraisal_grades (
    subject_id INTEGER NOT NULL PRIMARY KEY REFERENCES appraisal_subjects(id),
    round_id INTEGER NOT NULL REFERENCES appraisal_rounds(id),
    grade TEXT NOT NULL,
    advised TEXT,
    reason TEXT,
    recorded_by TEXT NOT NULL,
    recorded_ms INTEGER NOT NULL
);

-- A 不合格 grade opens a case for the secondary organization (组织处置).
CREATE TABLE appraisal_cases (
    id INTEGER PRIMARY KEY,
    round_id INTEGER NOT NULL REFERENCES appraisal_rounds(id),
    subject_id INTEGER NOT NULL UNIQUE REFERENCES appraisal_subjects(id),
    org_id INTEGER NOT NULL REFERENCES orgs(id),
    state TEXT NOT NULL,
    note TEXT,
    closed_by TEXT,
    closed_ms INTEGER,
    created_ms INTEGER NOT NULL
);
