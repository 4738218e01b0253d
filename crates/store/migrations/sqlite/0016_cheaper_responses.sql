-- Responses keyed by survey, target and their random id: storing one touches one random place
-- of one B-tree, where the former layout (random id alone, then an index by survey and target,
-- and two unique indexes whose NULLs made them random too) touched four. Still no arrival
-- order: within a target the rows follow their random ids. The id stays unique by its 122
-- random bits; a paper form's serial and a named survey's person are unique where present.
CREATE TABLE survey_responses_keyed (
    survey_id INTEGER NOT NULL REFERENCES surveys(id),
    target_id INTEGER NOT NULL,
    id TEXT NOT NULL,
    channel TEXT NOT NULL,
    day DATE NOT NULL,
    serial TEXT,
    person_id INTEGER REFERENCES people(id),
    answers_json TEXT NOT NULL,
    PRIMARY KEY (survey_id, target_id, id)
) WITHOUT ROWID;
INSERT INTO survey_responses_keyed (survey_id, target_id, id, channel, day, serial, person_id, answers_json)
    SELECT survey_id, target_id, id, channel, day, serial, person_id, answers_json FROM survey_responses;
DROP TABLE survey_responses;
ALTER TABLE survey_responses_keyed RENAME TO survey_responses;
CREATE UNIQUE INDEX survey_responses_serial ON survey_responses(survey_id, serial) WHERE serial IS NOT NULL;
CREATE UNIQUE INDEX survey_responses_person ON survey_responses(survey_id, target_id, person_id) WHERE person_id IS NOT NULL;

-- Participation keyed by survey, voter and target: the primary key is the same rule (one
-- answer per voter per target), arrivals append where they used to land beside each target,
-- and "has this person taken part at all" reads the key, so its own index goes.
CREATE TABLE survey_participation_keyed (
    survey_id INTEGER NOT NULL REFERENCES surveys(id),
    target_id INTEGER NOT NULL,
    voter TEXT NOT NULL,
    channel TEXT NOT NULL,
    day DATE NOT NULL,
    PRIMARY KEY (survey_id, voter, target_id)
) WITHOUT ROWID;
INSERT INTO survey_participation_keyed (survey_id, target_id, voter, channel, day)
    SELECT survey_id, target_id, voter, channel, day FROM survey_participation;
DROP TABLE survey_participation;
ALTER TABLE survey_participation_keyed RENAME TO survey_participation;

-- The audit chain without unique indexes on its hashes: each entry wrote two random places
-- for them. Appends are serialized (SQLite's write lock, PostgreSQL's advisory lock) and the
-- chain is verified by walking it in order, which finds a fork, a gap or an edit.
CREATE TABLE audit_log_chain (
    seq INTEGER PRIMARY KEY,
    at_ms INTEGER NOT NULL,
    actor_account INTEGER,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    entity TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    before_json TEXT,
    after_json TEXT,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_log_chain (seq, at_ms, actor_account, actor, action, entity, entity_id, before_json, after_json, prev_hash, hash)
    SELECT seq, at_ms, actor_account, actor, action, entity, entity_id, before_json, after_json, prev_hash, hash FROM audit_log;
DROP TABLE audit_log;
ALTER TABLE audit_log_chain RENAME TO audit_log;
CREATE INDEX audit_log_entity ON audit_log(entity, entity_id);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
