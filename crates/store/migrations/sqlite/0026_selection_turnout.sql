-- A vote closed below its minimum turnout (more than half of a defined body) is not counted:
-- the office records why it closed it anyway, and no result is published.
ALTER TABLE selections ADD COLUMN turnout_reason TEXT;
