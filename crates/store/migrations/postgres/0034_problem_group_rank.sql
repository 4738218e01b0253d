-- A problem's place in its group of similar reports, by closeness to the group's centroid: the
-- group's samples are its most representative reports, not the first raised.
ALTER TABLE problems ADD COLUMN group_rank BIGINT;
