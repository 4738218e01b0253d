-- Migration 28 kept SQLite's hidden rowids on appraisal_raters and appraisal_ratings: they count
-- up in insertion order, so the k-th anonymous rating of a subject paired with its k-th rater.
-- Both tables are rebuilt WITHOUT ROWID (as the ballots and responses are), the ratings copied in
-- the order of their random ids; and a rating no longer carries its day, which beside the audit
-- log's entry of who rated that day named a lone rater.
CREATE TABLE appraisal_raters_v3 (
    round_id INTEGER NOT NULL REFERENCES appraisal_rounds(id),
    subject_id INTEGER NOT NULL REFERENCES appraisal_subjects(id),
    rater_id INTEGER NOT NULL REFERENCES people(id),
    PRIMARY KEY (round_id, subject_id, rater_id)
) WITHOUT ROWID;
INSERT INTO appraisal_raters_v3 (round_id, subject_id, rater_id) SELECT round_id, subject_id, rater_id FROM appraisal_raters ORDER BY round_id, subject_id, rater_id;
DROP TABLE appraisal_raters;
ALTER TABLE appraisal_raters_v3 RENAME TO appraisal_raters;
CREATE INDEX appraisal_raters_rater ON appraisal_raters(rater_id, round_id);

CREATE TABLE appraisal_ratings_v3 (
    id TEXT NOT NULL PRIMARY KEY,
    round_id INTEGER NOT NULL REFERENCES appraisal_rounds(id),
    subject_id INTEGER NOT NULL REFERENCES appraisal_subjects(id),
    rater_id INTEGER REFERENCES people(id),
    grp TEXT NOT NULL,
    values_json TEXT NOT NULL,
    comment TEXT
) WITHOUT ROWID;
INSERT INTO appraisal_ratings_v3 (id, round_id, subject_id, rater_id, grp, values_json, comment)
    SELECT id, round_id, subject_id, rater_id, grp, values_json, comment FROM appraisal_ratings ORDER BY id;
DROP TABLE appraisal_ratings;
ALTER TABLE appraisal_ratings_v3 RENAME TO appraisal_ratings;
CREATE INDEX appraisal_ratings_group ON appraisal_ratings(round_id, grp, subject_id);
