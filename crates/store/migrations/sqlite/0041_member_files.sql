-- A person's file (党员档案, issue 20): date of birth, the dates of application, joining and
-- full membership (党龄 is computed from the last), the professional title and its level, the
-- highest degree, the post, and the hardship flag that only the Party side reads. One row per
-- person who has any of these; the office's bounds for young teachers and 老党员 beside it.

CREATE TABLE member_files (
    person_id INTEGER NOT NULL PRIMARY KEY REFERENCES people(id),
    birth_date TEXT,
    applied_on TEXT,
    joined_on TEXT,
    full_on TEXT,
    title TEXT,
    title_level TEXT,
    degree TEXT,
    job_post TEXT,
    hardship INTEGER NOT NULL DEFAULT 0,
    updated_ms INTEGER NOT NULL
);
CREATE INDEX member_files_full_on ON member_files(full_on);
CREATE INDEX member_files_birth ON member_files(birth_date);

CREATE TABLE member_file_rules (
    id INTEGER PRIMARY KEY,
    young_max_age INTEGER NOT NULL,
    old_min_standing INTEGER NOT NULL,
    updated_ms INTEGER NOT NULL
);
