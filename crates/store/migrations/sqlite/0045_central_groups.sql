-- The central groups (党委中心组, item 5): the university's and each secondary organization's
-- body of leaders who study together, its members with their roles and posts, the year's study
-- plan by month, its sessions (meetings of kind central_group, with the speaker, the documents
-- and the guests from outside), what members hand in (speeches, written reflections), and the
-- office's assessment weights (one row).

CREATE TABLE central_groups (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL UNIQUE REFERENCES orgs(id),
    name TEXT NOT NULL,
    created_ms INTEGER NOT NULL
);

CREATE TABLE central_members (
    id INTEGER PRIMARY KEY,
    group_id INTEGER NOT NULL REFERENCES central_groups(id),
    person_id INTEGER NOT NULL REFERENCES people(id),
    role TEXT NOT NULL,
    post TEXT NOT NULL,
    start_date DATE NOT NULL,
    end_date DATE
);
CREATE INDEX central_members_group ON central_members(group_id);
CREATE INDEX central_members_person ON central_members(person_id);

CREATE TABLE central_plan (
    group_id INTEGER NOT NULL REFERENCES central_groups(id),
    year INTEGER NOT NULL,
    month INTEGER NOT NULL,
    topic TEXT NOT NULL,
    documents TEXT NOT NULL,
    PRIMARY KEY (group_id, year, month)
);

CREATE TABLE central_sessions (
    meeting_id INTEGER PRIMARY KEY REFERENCES meetings(id),
    speaker TEXT NOT NULL,
    documents TEXT NOT NULL,
    guests TEXT NOT NULL
);

CREATE TABLE central_contributions (
    meeting_id INTEGER NOT NULL REFERENCES meetings(id),
    person_id INTEGER NOT NULL REFERENCES people(id),
    kind TEXT NOT NULL,
    body TEXT NOT NULL,
    recorded_by INTEGER NOT NULL,
    recorded_ms INTEGER NOT NULL,
    PRIMARY KEY (meeting_id, person_id, kind)
);
CREATE INDEX central_contributions_person ON central_contributions(person_id);

CREATE TABLE central_weights (
    id INTEGER PRIMARY KEY,
    attendance INTEGER NOT NULL,
    speeches INTEGER NOT NULL,
    reflections INTEGER NOT NULL,
    leave_credit INTEGER NOT NULL,
    speeches_expected INTEGER NOT NULL,
    reflections_expected INTEGER NOT NULL
);
