-- A demo campaign's clock: the date its pages run as of (the demo starts on 2012-04-20). Only
-- the demo loader sets it, so no one can erase a real campaign's lateness; a database with any
-- campaign without it runs on the real date.
ALTER TABLE campaigns ADD COLUMN as_of DATE;
