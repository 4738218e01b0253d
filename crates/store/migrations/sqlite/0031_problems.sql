-- The masses' problems (item 10): raised by anyone logged in about a window, a unit or the
-- campus, routed to the responsible unit (NULL: the office's triage), accepted and assigned to a
-- person of the unit, answered, and confirmed by the raiser (or closed as unconfirmed). A raiser
-- who asks not to be named to the unit is still known to the office; every date is a day (no
-- time finer than the day is kept for a problem or its steps). Similar reports are gathered into
-- groups (突出问题) the office can merge, split and hand down.

-- The office's numbers (one row once set; the defaults until then).
CREATE TABLE problem_rules (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    accept_days INTEGER NOT NULL,
    answer_days INTEGER NOT NULL,
    confirm_days INTEGER NOT NULL,
    public_list BOOLEAN NOT NULL
);

CREATE TABLE problem_groups (
    id INTEGER PRIMARY KEY,
    title TEXT NOT NULL,
    -- Made by hand (a merge or a split) rather than by the automatic grouping, which keeps it.
    pinned BOOLEAN NOT NULL,
    handed_to_unit_id INTEGER REFERENCES units(id),
    handed_note TEXT,
    handed_on DATE
);

CREATE TABLE problems (
    id INTEGER PRIMARY KEY,
    raiser_id INTEGER NOT NULL REFERENCES people(id),
    unnamed BOOLEAN NOT NULL,
    about TEXT NOT NULL,
    about_unit_id INTEGER REFERENCES units(id),
    category TEXT NOT NULL,
    body TEXT NOT NULL,
    unit_id INTEGER REFERENCES units(id),
    state TEXT NOT NULL,
    assignee_id INTEGER REFERENCES people(id),
    reply TEXT,
    measures TEXT,
    raised_on DATE NOT NULL,
    step_on DATE NOT NULL,
    due_on DATE,
    escalation INTEGER NOT NULL,
    reopened INTEGER NOT NULL,
    closed_on DATE,
    group_id INTEGER REFERENCES problem_groups(id),
    public_summary TEXT,
    public_done TEXT,
    published BOOLEAN NOT NULL
);
CREATE INDEX problems_unit ON problems(unit_id, state);
CREATE INDEX problems_raiser ON problems(raiser_id);
CREATE INDEX problems_group ON problems(group_id);

-- Each step: what happened, on which day, by whom (NULL for the raiser's own steps, which the
-- unit must not be able to tie to a name), and at which unit.
CREATE TABLE problem_events (
    id INTEGER PRIMARY KEY,
    problem_id INTEGER NOT NULL REFERENCES problems(id),
    kind TEXT NOT NULL,
    on_day DATE NOT NULL,
    actor_id INTEGER REFERENCES people(id),
    unit_id INTEGER REFERENCES units(id),
    note TEXT
);
CREATE INDEX problem_events_problem ON problem_events(problem_id);

CREATE TABLE problem_photos (
    id INTEGER PRIMARY KEY,
    problem_id INTEGER NOT NULL REFERENCES problems(id),
    content_type TEXT NOT NULL,
    data BLOB NOT NULL
);
CREATE INDEX problem_photos_problem ON problem_photos(problem_id);

-- A notification can point at any page, not only a task.
ALTER TABLE notifications ADD COLUMN href TEXT;
