-- The experience library (item 17): practices and mechanisms from organizations and units (or
-- the office), reviewed by the office before everyone sees them; an experience-exchange
-- meeting's record lands here (meeting_id).
CREATE TABLE library_entries (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    item INTEGER,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    source_org_id INTEGER REFERENCES orgs(id),
    source_unit_id INTEGER REFERENCES units(id),
    meeting_id INTEGER REFERENCES meetings(id),
    state TEXT NOT NULL,
    review_comment TEXT,
    submitted_by INTEGER NOT NULL,
    submitted_ms INTEGER NOT NULL,
    reviewed_ms INTEGER
);
CREATE INDEX library_entries_state ON library_entries(state);
CREATE TABLE library_files (
    id INTEGER PRIMARY KEY,
    entry_id INTEGER NOT NULL REFERENCES library_entries(id),
    name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    data BLOB NOT NULL
);
CREATE INDEX library_files_entry ON library_files(entry_id);

CREATE TRIGGER library_search_ins AFTER INSERT ON library_entries BEGIN INSERT INTO search_dirty (kind, ref_id) VALUES ('library', NEW.id); END;
CREATE TRIGGER library_search_upd AFTER UPDATE OF title, body ON library_entries BEGIN INSERT INTO search_dirty (kind, ref_id) VALUES ('library', NEW.id); END;
CREATE TRIGGER library_search_del AFTER DELETE ON library_entries BEGIN INSERT INTO search_dirty (kind, ref_id) VALUES ('library', OLD.id); END;
