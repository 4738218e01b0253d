-- Each target's tally counts its responses by channel (login, link, paper), so that the results
-- page reads "how many took part, by channel" from the tallies instead of counting every
-- participation record on each view. Tallies stored before this migration get their counts
-- from the responses they were made of.
UPDATE survey_tallies SET tally_json = json_set(tally_json, '$.channels', json(COALESCE(
    (SELECT json_group_object(channel, n) FROM (
        SELECT r.channel AS channel, COUNT(*) AS n FROM survey_responses r
        WHERE r.survey_id = survey_tallies.survey_id AND r.target_id = survey_tallies.target_id
        GROUP BY r.channel)),
    '{}')));
