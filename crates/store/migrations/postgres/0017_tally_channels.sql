-- Each target's tally counts its responses by channel (login, link, paper), so that the results
-- page reads "how many took part, by channel" from the tallies instead of counting every
-- participation record on each view. Tallies stored before this migration get their counts
-- from the responses they were made of.
UPDATE survey_tallies t SET tally_json = (CAST(t.tally_json AS jsonb) || jsonb_build_object('channels', COALESCE(
    (SELECT jsonb_object_agg(x.channel, x.n) FROM (
        SELECT r.channel AS channel, COUNT(*) AS n FROM survey_responses r
        WHERE r.survey_id = t.survey_id AND r.target_id = t.target_id
        GROUP BY r.channel) x),
    '{}'::jsonb)))::text;
