-- Surveys (issue 5): questionnaires with their audiences, who took part, the responses, and
-- single-use links.
--
-- One response per person per survey (and target) is the primary key of
-- survey_participation, so the database refuses a duplicate whatever the application does.
-- An anonymous survey's responses carry no person: survey_responses has a random v4 id, the
-- day only, and no column that joins it to survey_participation; both tables are WITHOUT
-- ROWID, so even their storage order is by key (random id; voter), not by arrival.
CREATE TABLE surveys (
    id INTEGER PRIMARY KEY,
    campaign_id INTEGER REFERENCES campaigns(id),
    template_code TEXT,
    title TEXT NOT NULL,
    description TEXT,
    owner_unit_id INTEGER REFERENCES units(id),
    target_kind TEXT NOT NULL,
    anonymous BOOLEAN NOT NULL,
    results_public BOOLEAN NOT NULL DEFAULT FALSE,
    allow_replace BOOLEAN NOT NULL DEFAULT FALSE,
    questionnaire_json TEXT NOT NULL,
    opens_on DATE,
    closes_on DATE,
    state TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    created_by TEXT NOT NULL
);

-- What a survey is about: windows, units, organizations, cadres or commitments (target_id 0:
-- the survey as a whole). unit_id and org_id place a target in the two trees for roll-ups.
CREATE TABLE survey_targets (
    survey_id INTEGER NOT NULL REFERENCES surveys(id),
    target_id INTEGER NOT NULL,
    label TEXT NOT NULL,
    unit_id INTEGER REFERENCES units(id),
    org_id INTEGER REFERENCES orgs(id),
    PRIMARY KEY (survey_id, target_id)
) WITHOUT ROWID;

CREATE TABLE survey_invitees (
    survey_id INTEGER NOT NULL REFERENCES surveys(id),
    person_id INTEGER NOT NULL REFERENCES people(id),
    PRIMARY KEY (survey_id, person_id)
) WITHOUT ROWID;
CREATE INDEX survey_invitees_person ON survey_invitees(person_id);

-- Who took part: voter is p<person id>, l<link id> (a printed slip not tied to a person) or
-- s<serial> (a paper form). The day only, never the time.
CREATE TABLE survey_participation (
    survey_id INTEGER NOT NULL REFERENCES surveys(id),
    target_id INTEGER NOT NULL,
    voter TEXT NOT NULL,
    channel TEXT NOT NULL,
    day DATE NOT NULL,
    PRIMARY KEY (survey_id, target_id, voter)
) WITHOUT ROWID;

CREATE TABLE survey_responses (
    id TEXT NOT NULL PRIMARY KEY,
    survey_id INTEGER NOT NULL REFERENCES surveys(id),
    target_id INTEGER NOT NULL,
    channel TEXT NOT NULL,
    day DATE NOT NULL,
    serial TEXT,
    person_id INTEGER REFERENCES people(id),
    answers_json TEXT NOT NULL,
    UNIQUE (survey_id, serial)
) WITHOUT ROWID;
CREATE INDEX survey_responses_survey ON survey_responses(survey_id, target_id);
-- A named survey's one response per person (NULL persons, the anonymous ones, are distinct).
CREATE UNIQUE INDEX survey_responses_person ON survey_responses(survey_id, target_id, person_id);

-- Single-use links: only the SHA-256 of the 128-bit token is kept.
CREATE TABLE survey_links (
    id INTEGER PRIMARY KEY,
    survey_id INTEGER NOT NULL REFERENCES surveys(id),
    token_hash TEXT NOT NULL UNIQUE,
    person_id INTEGER REFERENCES people(id),
    created_ms INTEGER NOT NULL,
    revoked BOOLEAN NOT NULL DEFAULT FALSE,
    used_on DATE
);
CREATE INDEX survey_links_survey ON survey_links(survey_id, person_id);

-- The running tally of each target, updated in the transaction that stores the responses (so
-- the results of 100,000 responses are read, not recomputed); free text stays in the responses.
-- An auditor's recount from the raw responses must give the same figures.
CREATE TABLE survey_tallies (
    survey_id INTEGER NOT NULL REFERENCES surveys(id),
    target_id INTEGER NOT NULL,
    tally_json TEXT NOT NULL,
    PRIMARY KEY (survey_id, target_id)
);
