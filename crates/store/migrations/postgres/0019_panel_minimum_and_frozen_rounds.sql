-- A panel's mean is never one member's mark: a count in which a candidate has fewer score
-- sheets than the minimum (5) is refused until the office records a lower minimum (2 at least)
-- and why. An appraisal round counted into a selection closes with the count, so that no late
-- rating makes a recount from the published material disagree with the published order.
ALTER TABLE selections ADD COLUMN panel_min INTEGER;
ALTER TABLE selections ADD COLUMN panel_min_reason TEXT;
ALTER TABLE appraisal_rounds ADD COLUMN closed_on DATE;
