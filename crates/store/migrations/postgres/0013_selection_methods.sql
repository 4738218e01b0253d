-- Selection methods besides the ballot (issue 7): panel scores, kept as anonymous score sheets
-- (a random v4 id, the selection, the scores; who handed one in is in selection_voters), the
-- appraisal round whose combined scores rank the candidates, and the results of a count made by
-- scores ("nomination id": "numerator/denominator", exact).
ALTER TABLE selections ADD COLUMN appraisal_round_id BIGINT REFERENCES appraisal_rounds(id);
ALTER TABLE selections ADD COLUMN scores_json TEXT;

CREATE TABLE selection_sheets (
    id TEXT NOT NULL PRIMARY KEY,
    selection_id BIGINT NOT NULL REFERENCES selections(id),
    scores TEXT NOT NULL
);
CREATE INDEX selection_sheets_selection ON selection_sheets(selection_id);
