-- 学习型党组织示范点 (item 6): candidates registered with their creation plan, milestones,
-- progress reports with evidence, and the office's inspections by its standards.

CREATE TABLE study_points (
    id INTEGER PRIMARY KEY,
    campaign_id INTEGER NOT NULL REFERENCES campaigns(id),
    org_id INTEGER NOT NULL REFERENCES orgs(id),
    plan TEXT NOT NULL,
    registered_by INTEGER NOT NULL,
    registered_ms INTEGER NOT NULL,
    UNIQUE (campaign_id, org_id)
);

CREATE TABLE study_point_milestones (
    id INTEGER PRIMARY KEY,
    point_id INTEGER NOT NULL REFERENCES study_points(id),
    due_on DATE NOT NULL,
    title TEXT NOT NULL,
    done_on DATE
);
CREATE INDEX study_point_milestones_point ON study_point_milestones(point_id);

CREATE TABLE study_point_reports (
    id INTEGER PRIMARY KEY,
    point_id INTEGER NOT NULL REFERENCES study_points(id),
    milestone_id INTEGER REFERENCES study_point_milestones(id),
    body TEXT NOT NULL,
    reported_by INTEGER NOT NULL,
    reported_ms INTEGER NOT NULL
);
CREATE INDEX study_point_reports_point ON study_point_reports(point_id);

CREATE TABLE study_point_files (
    id INTEGER PRIMARY KEY,
    report_id INTEGER NOT NULL REFERENCES study_point_reports(id),
    name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    photo BOOLEAN NOT NULL,
    data BLOB NOT NULL
);
CREATE INDEX study_point_files_report ON study_point_files(report_id);

CREATE TABLE study_point_standards (
    id INTEGER PRIMARY KEY,
    campaign_id INTEGER NOT NULL REFERENCES campaigns(id),
    item TEXT NOT NULL,
    weight INTEGER NOT NULL,
    retired BOOLEAN NOT NULL DEFAULT FALSE,
    created_ms INTEGER NOT NULL
);

CREATE TABLE study_point_inspections (
    id INTEGER PRIMARY KEY,
    point_id INTEGER NOT NULL REFERENCES study_points(id),
    day DATE NOT NULL,
    inspector TEXT NOT NULL,
    scores_json TEXT NOT NULL,
    score_x100 INTEGER NOT NULL,
    notes TEXT,
    created_ms INTEGER NOT NULL
);
CREATE INDEX study_point_inspections_point ON study_point_inspections(point_id);
