-- Random samples (issue 5): the frozen population with its published hash, the two parties'
-- commitments and seeds, and who was drawn. A member is named by a pseudonym (an HMAC of the
-- person's id, or window-<id> for a window); subject_id links to the person or window and is
-- never published.
CREATE TABLE samples (
    id INTEGER PRIMARY KEY,
    survey_id INTEGER REFERENCES surveys(id),
    purpose TEXT NOT NULL,
    title TEXT NOT NULL,
    owner_unit_id INTEGER NOT NULL REFERENCES units(id),
    population_node INTEGER NOT NULL,
    students_only BOOLEAN NOT NULL,
    stratify TEXT NOT NULL,
    size_spec TEXT NOT NULL,
    population_size INTEGER NOT NULL,
    population_hash TEXT NOT NULL,
    office_commit TEXT,
    unit_commit TEXT,
    office_seed TEXT,
    unit_seed TEXT,
    draw_seed TEXT,
    state TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    created_by TEXT NOT NULL,
    drawn_ms INTEGER
);

CREATE TABLE sample_members (
    sample_id INTEGER NOT NULL REFERENCES samples(id),
    pseudonym TEXT NOT NULL,
    subject_id INTEGER NOT NULL,
    stratum TEXT NOT NULL,
    drawn BOOLEAN NOT NULL DEFAULT FALSE,
    PRIMARY KEY (sample_id, pseudonym)
);
