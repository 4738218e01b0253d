-- An anonymous group's rating (群众评议, 党员互评) no longer names its rater: who rated whom
-- (once each) is kept apart in appraisal_raters, and the rating itself carries a random id, with
-- the rater only for the named groups (领导点评, 自评). A backup of the ratings links no
-- anonymous rating to a person.
CREATE TABLE appraisal_raters (
    round_id INTEGER NOT NULL REFERENCES appraisal_rounds(id),
    subject_id INTEGER NOT NULL REFERENCES appraisal_subjects(id),
    rater_id INTEGER NOT NULL REFERENCES people(id),
    PRIMARY KEY (round_id, subject_id, rater_id)
);
INSERT INTO appraisal_raters (round_id, subject_id, rater_id) SELECT round_id, subject_id, rater_id FROM appraisal_ratings;
CREATE INDEX appraisal_raters_rater ON appraisal_raters(rater_id, round_id);

CREATE TABLE appraisal_ratings_v2 (
    id TEXT NOT NULL PRIMARY KEY,
    round_id INTEGER NOT NULL REFERENCES appraisal_rounds(id),
    subject_id INTEGER NOT NULL REFERENCES appraisal_subjects(id),
    rater_id INTEGER REFERENCES people(id),
    grp TEXT NOT NULL,
    values_json TEXT NOT NULL,
    comment TEXT,
    day DATE NOT NULL
);
INSERT INTO appraisal_ratings_v2 (id, round_id, subject_id, rater_id, grp, values_json, comment, day)
    SELECT lower(hex(randomblob(16))), round_id, subject_id, CASE WHEN grp IN ('masses', 'peers') THEN NULL ELSE rater_id END, grp, values_json, comment, day
    FROM appraisal_ratings;
DROP TABLE appraisal_ratings;
ALTER TABLE appraisal_ratings_v2 RENAME TO appraisal_ratings;
CREATE INDEX appraisal_ratings_group ON appraisal_ratings(round_id, grp, subject_id);
