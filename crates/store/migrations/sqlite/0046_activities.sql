-- Activities (items 7, 12, 13): announced to the people of an organization or unit (everyone
-- for the office's), with a quota and a waiting list, check-in by a changing code, a record
-- with photos and volunteer hours afterwards, and the books of a reading month.

CREATE TABLE activities (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    org_id INTEGER REFERENCES orgs(id),
    unit_id INTEGER REFERENCES units(id),
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    place TEXT NOT NULL,
    on_day DATE NOT NULL,
    end_day DATE NOT NULL,
    starts TEXT NOT NULL,
    ends TEXT NOT NULL,
    signup_until DATE NOT NULL,
    quota INTEGER NOT NULL,
    state TEXT NOT NULL,
    cancel_reason TEXT,
    checkin_secret TEXT NOT NULL,
    checkin_opened_ms INTEGER,
    checkin_closed_ms INTEGER,
    record TEXT,
    recorded_ms INTEGER,
    created_by INTEGER NOT NULL,
    created_ms INTEGER NOT NULL
);
CREATE INDEX activities_day ON activities(on_day);

CREATE TABLE activity_signups (
    activity_id INTEGER NOT NULL REFERENCES activities(id),
    person_id INTEGER NOT NULL REFERENCES people(id),
    state TEXT NOT NULL,
    seq INTEGER NOT NULL,
    signed_ms INTEGER NOT NULL,
    cancelled_ms INTEGER,
    checked_in_ms INTEGER,
    how TEXT,
    half_hours INTEGER,
    PRIMARY KEY (activity_id, person_id)
);
CREATE INDEX activity_signups_person ON activity_signups(person_id);

CREATE TABLE activity_files (
    id INTEGER PRIMARY KEY,
    activity_id INTEGER NOT NULL REFERENCES activities(id),
    name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    photo BOOLEAN NOT NULL,
    data BLOB NOT NULL
);
CREATE INDEX activity_files_activity ON activity_files(activity_id);

CREATE TABLE reading_entries (
    id INTEGER PRIMARY KEY,
    activity_id INTEGER NOT NULL REFERENCES activities(id),
    person_id INTEGER NOT NULL REFERENCES people(id),
    title TEXT NOT NULL,
    author TEXT NOT NULL,
    review TEXT NOT NULL,
    created_ms INTEGER NOT NULL
);
CREATE INDEX reading_entries_activity ON reading_entries(activity_id);
