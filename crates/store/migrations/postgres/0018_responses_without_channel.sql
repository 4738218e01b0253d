-- A response carries nothing that can be joined with participation (DOMAIN.md, anonymity):
-- how a person took part (login, link, paper) and a paper form's serial stay in
-- survey_participation only. Before this, a response's channel, exported and backed up beside
-- its answers, matched the participation record (and its audit entry) of a single paper or
-- link respondent. The tallies keep counting the channels, recounted from participation.
DROP INDEX IF EXISTS survey_responses_serial;
ALTER TABLE survey_responses DROP COLUMN serial;
ALTER TABLE survey_responses DROP COLUMN channel;
