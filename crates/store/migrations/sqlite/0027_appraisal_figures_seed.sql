-- A round's scores are read on every page of a university-wide round (14,888 tally rows and
-- 7,444 subjects for 民主评议党员 of 7,444 members). The server keeps them in memory between
-- ratings (store::appraisal, `Figures`), keyed by the round, this random number and a
-- fingerprint of the tallies: the number tells one database's round 1 from another's in the same
-- process (the tests; a restore beside the original), and a round left at 0 is never kept.
ALTER TABLE appraisal_rounds ADD COLUMN figures_seed INTEGER NOT NULL DEFAULT 0;
UPDATE appraisal_rounds SET figures_seed = random();
