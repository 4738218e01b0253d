-- Member development (发展党员, issue 20): a file per person developed by a branch, its dated
-- steps (each with what it records, who recorded it and when), the quarterly thought reports
-- (思想汇报) of activists and candidates, and each secondary organization's yearly quota.

CREATE TABLE dev_files (
    person_id INTEGER NOT NULL PRIMARY KEY REFERENCES people(id),
    org_id INTEGER NOT NULL REFERENCES orgs(id),
    started_ms INTEGER NOT NULL
);
CREATE INDEX dev_files_org ON dev_files(org_id);

CREATE TABLE dev_steps (
    id INTEGER PRIMARY KEY,
    person_id INTEGER NOT NULL REFERENCES people(id),
    step TEXT NOT NULL,
    on_day TEXT NOT NULL,
    details TEXT NOT NULL,
    recorded_by INTEGER NOT NULL,
    recorded_ms INTEGER NOT NULL,
    UNIQUE (person_id, step)
);

CREATE TABLE dev_reports (
    id INTEGER PRIMARY KEY,
    person_id INTEGER NOT NULL REFERENCES people(id),
    on_day TEXT NOT NULL,
    summary TEXT NOT NULL,
    recorded_by INTEGER NOT NULL,
    recorded_ms INTEGER NOT NULL
);
CREATE INDEX dev_reports_person ON dev_reports(person_id);

CREATE TABLE dev_quotas (
    org_id INTEGER NOT NULL REFERENCES orgs(id),
    year INTEGER NOT NULL,
    quota INTEGER NOT NULL,
    updated_ms INTEGER NOT NULL,
    PRIMARY KEY (org_id, year)
);
