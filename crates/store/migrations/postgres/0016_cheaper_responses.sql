-- Responses keyed by survey, target and their random id, with the unique rules only where
-- their column is present: storing a response touches one index where it touched four.
ALTER TABLE survey_responses DROP CONSTRAINT survey_responses_pkey;
ALTER TABLE survey_responses ADD PRIMARY KEY (survey_id, target_id, id);
ALTER TABLE survey_responses DROP CONSTRAINT survey_responses_survey_id_serial_key;
DROP INDEX survey_responses_survey;
DROP INDEX survey_responses_person;
CREATE UNIQUE INDEX survey_responses_serial ON survey_responses(survey_id, serial) WHERE serial IS NOT NULL;
CREATE UNIQUE INDEX survey_responses_person ON survey_responses(survey_id, target_id, person_id) WHERE person_id IS NOT NULL;

-- Participation keyed by survey, voter and target (the same rule; arrivals append, and the
-- key answers "has this person taken part at all", so its own index goes).
ALTER TABLE survey_participation DROP CONSTRAINT survey_participation_pkey;
ALTER TABLE survey_participation ADD PRIMARY KEY (survey_id, voter, target_id);
DROP INDEX survey_participation_voter;

-- The audit chain without unique indexes on its hashes (appends are serialized by the
-- advisory lock; the chain is verified by walking it in order).
ALTER TABLE audit_log DROP CONSTRAINT audit_log_prev_hash_key;
ALTER TABLE audit_log DROP CONSTRAINT audit_log_hash_key;
