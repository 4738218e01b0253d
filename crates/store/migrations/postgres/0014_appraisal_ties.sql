-- A tie at an appraisal round's quota line: the office's order of the tied subjects and why.
ALTER TABLE appraisal_rounds ADD COLUMN tie_order TEXT;
ALTER TABLE appraisal_rounds ADD COLUMN tie_reason TEXT;
