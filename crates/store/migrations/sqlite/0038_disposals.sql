-- The disposal of unqualified members (item 13): a case per member and measure, opened from a
-- 不合格 grade's follow-up case or by the branch directly, with its deadline, follow-ups and
-- outcome. Confidential to the branch, its secondary organization and the office.

CREATE TABLE disposal_cases (
    id INTEGER PRIMARY KEY,
    person_id INTEGER NOT NULL REFERENCES people(id),
    org_id INTEGER NOT NULL REFERENCES orgs(id),
    appraisal_case_id INTEGER UNIQUE REFERENCES appraisal_cases(id),
    measure TEXT NOT NULL,
    grounds TEXT NOT NULL,
    deadline DATE,
    state TEXT NOT NULL,
    outcome TEXT,
    outcome_note TEXT,
    opened_on DATE NOT NULL,
    closed_on DATE,
    created_by INTEGER NOT NULL,
    created_ms INTEGER NOT NULL
);
CREATE INDEX disposal_cases_org ON disposal_cases(org_id);

CREATE TABLE disposal_followups (
    id INTEGER PRIMARY KEY,
    case_id INTEGER NOT NULL REFERENCES disposal_cases(id),
    on_day DATE NOT NULL,
    note TEXT NOT NULL,
    created_ms INTEGER NOT NULL
);
CREATE INDEX disposal_followups_case ON disposal_followups(case_id);
