-- A funded project's mid-term and completion reports (中期检查, 结题), each reviewed by the office;
-- a returned report is handed in again in its place.
CREATE TABLE research_reports (
    id INTEGER PRIMARY KEY,
    application_id INTEGER NOT NULL REFERENCES research_applications(id),
    kind TEXT NOT NULL,
    body TEXT NOT NULL,
    state TEXT NOT NULL,
    comment TEXT,
    submitted_by INTEGER NOT NULL,
    submitted_ms INTEGER NOT NULL,
    reviewed_ms INTEGER,
    UNIQUE (application_id, kind)
);
CREATE TABLE research_report_files (
    id INTEGER PRIMARY KEY,
    report_id INTEGER NOT NULL REFERENCES research_reports(id),
    name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    data BLOB NOT NULL
);
CREATE INDEX research_report_files_report ON research_report_files(report_id);

-- Search finds an application by its title and blind section (never a name).
CREATE TRIGGER research_search_ins AFTER INSERT ON research_applications BEGIN INSERT INTO search_dirty (kind, ref_id) VALUES ('research', NEW.id); END;
CREATE TRIGGER research_search_upd AFTER UPDATE OF title, blind ON research_applications BEGIN INSERT INTO search_dirty (kind, ref_id) VALUES ('research', NEW.id); END;
CREATE TRIGGER research_search_del AFTER DELETE ON research_applications BEGIN INSERT INTO search_dirty (kind, ref_id) VALUES ('research', OLD.id); END;
