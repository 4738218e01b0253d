-- Whether a person took part, whatever the target: the response rates of the results page and
-- the reminders ask this for every invitee (without it, each question scanned the survey).
CREATE INDEX survey_participation_voter ON survey_participation(survey_id, voter);
