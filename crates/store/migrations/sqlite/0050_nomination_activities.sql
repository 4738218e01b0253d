-- A nomination of an activity or a carrier (十佳学习活动, 十佳学习载体) may carry the record of an
-- activity the nominating organization held: its evidence, shown with the nomination.

CREATE TABLE nomination_activities (
    nomination_id INTEGER PRIMARY KEY REFERENCES selection_nominations(id),
    activity_id INTEGER NOT NULL REFERENCES activities(id)
);
CREATE INDEX nomination_activities_activity ON nomination_activities(activity_id);
