-- Appraisal rounds keep a running tally per subject and rater group, written in the rating's
-- transaction, so that results, ranks and the pages of a university-wide round read one row per
-- subject and group instead of every rating (issue 17). A rater's score is Σ weight × value /
-- Σ weight over the subject's criteria (values mapped to 0-100 by the round's scale); the raters
-- of a subject share the denominator, so the tally keeps how many rated, the sum of their
-- numerators (total) and the denominator (den): the group's mean is total / (den × raters),
-- exactly. The auditor's bundle is still made of the ratings themselves, and a recount from them
-- must equal the tallies. Ratings stored before this migration are tallied here.
CREATE TABLE appraisal_tallies (
    round_id BIGINT NOT NULL REFERENCES appraisal_rounds(id),
    subject_id BIGINT NOT NULL REFERENCES appraisal_subjects(id),
    grp TEXT NOT NULL,
    raters BIGINT NOT NULL,
    total BIGINT NOT NULL,
    den BIGINT NOT NULL,
    PRIMARY KEY (round_id, subject_id, grp)
);

INSERT INTO appraisal_tallies (round_id, subject_id, grp, raters, total, den)
SELECT x.round_id, x.subject_id, x.grp, COUNT(*), SUM(x.num), MAX(x.den) FROM (
    SELECT r.round_id AS round_id, r.subject_id AS subject_id, r.rater_id AS rater_id, r.grp AS grp,
        SUM((c.value->>'weight')::bigint * (CASE
            WHEN ro.scale = 'hundred' THEN (v.value #>> '{}')::bigint
            WHEN (v.value #>> '{}')::bigint = 0 THEN 100
            WHEN (v.value #>> '{}')::bigint = 1 THEN 60
            ELSE 0 END)) AS num,
        SUM((c.value->>'weight')::bigint) AS den
    FROM appraisal_ratings r
    JOIN appraisal_subjects s ON s.id = r.subject_id
    JOIN appraisal_rounds ro ON ro.id = r.round_id
    CROSS JOIN LATERAL jsonb_array_elements(CAST(r.values_json AS jsonb)) WITH ORDINALITY AS v(value, n)
    JOIN LATERAL jsonb_array_elements(CAST(s.criteria_json AS jsonb)) WITH ORDINALITY AS c(value, n) ON c.n = v.n
    WHERE (ro.scale = 'hundred' AND (v.value #>> '{}')::bigint BETWEEN 0 AND 100) OR (ro.scale <> 'hundred' AND (v.value #>> '{}')::bigint BETWEEN 0 AND 2)
    GROUP BY r.round_id, r.subject_id, r.rater_id, r.grp
) x
GROUP BY x.round_id, x.subject_id, x.grp;

-- A rater's own ratings in a round (the rater's page: what is done), and a round's ratings of
-- one group (the leaders' comments on the results) without reading the whole round.
CREATE INDEX appraisal_ratings_rater ON appraisal_ratings(rater_id, round_id);
CREATE INDEX appraisal_ratings_group ON appraisal_ratings(round_id, grp, subject_id);
