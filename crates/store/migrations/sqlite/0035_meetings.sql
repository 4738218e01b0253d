-- Meetings (三会一课, 主题党日 and the experience-exchange meetings): one module for every kind.
-- A branch's meeting is held by a Party organization (org_id); an exchange meeting by a unit
-- (unit_id) or by the office (neither). Who is expected is fixed when the meeting is scheduled
-- (the roster of that day); each person's attendance is expected, present (by QR check-in or
-- the secretary's list) or leave with its reason. The check-in code is an HMAC of the meeting's
-- secret and the 30-second window, so the secret never leaves the server. The office sets how
-- often a branch must hold each kind, and the months of vacation (one row per kind once set).

CREATE TABLE meeting_rules (
    kind TEXT PRIMARY KEY,
    period TEXT NOT NULL,
    vacation TEXT NOT NULL
);

CREATE TABLE meetings (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    org_id INTEGER REFERENCES orgs(id),
    unit_id INTEGER REFERENCES units(id),
    topic TEXT NOT NULL,
    place TEXT NOT NULL,
    on_day DATE NOT NULL,
    starts TEXT NOT NULL,
    ends TEXT NOT NULL,
    state TEXT NOT NULL,
    minutes TEXT,
    cancel_reason TEXT,
    checkin_secret TEXT NOT NULL,
    checkin_opened_ms INTEGER,
    checkin_closed_ms INTEGER,
    created_by INTEGER NOT NULL,
    created_ms INTEGER NOT NULL,
    recorded_ms INTEGER
);
CREATE INDEX meetings_org ON meetings(org_id, on_day);
CREATE INDEX meetings_unit ON meetings(unit_id, on_day);
CREATE INDEX meetings_day ON meetings(on_day);

CREATE TABLE meeting_attendance (
    meeting_id INTEGER NOT NULL REFERENCES meetings(id),
    person_id INTEGER NOT NULL REFERENCES people(id),
    status TEXT NOT NULL,
    reason TEXT,
    how TEXT,
    at_ms INTEGER,
    PRIMARY KEY (meeting_id, person_id)
);
CREATE INDEX meeting_attendance_person ON meeting_attendance(person_id);

CREATE TABLE meeting_files (
    id INTEGER PRIMARY KEY,
    meeting_id INTEGER NOT NULL REFERENCES meetings(id),
    name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    photo BOOLEAN NOT NULL,
    data BLOB NOT NULL
);
CREATE INDEX meeting_files_meeting ON meeting_files(meeting_id);
