-- Notices (通知公告): from the office (sender_org_id NULL) or a secondary organization to the
-- members (or the secretaries and committee members) of a part of the Party tree; who receives
-- it is fixed when it is published, and each one's first reading is recorded.
CREATE TABLE announcements (
    id INTEGER PRIMARY KEY,
    sender_org_id INTEGER REFERENCES orgs(id),
    audience_org_id INTEGER NOT NULL REFERENCES orgs(id),
    audience TEXT NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    published_by INTEGER NOT NULL,
    published_ms INTEGER NOT NULL
);
CREATE TABLE announcement_recipients (
    announcement_id INTEGER NOT NULL REFERENCES announcements(id),
    person_id INTEGER NOT NULL REFERENCES people(id),
    read_ms INTEGER,
    PRIMARY KEY (announcement_id, person_id)
);
CREATE INDEX announcement_recipients_person ON announcement_recipients(person_id);
CREATE TABLE announcement_files (
    id INTEGER PRIMARY KEY,
    announcement_id INTEGER NOT NULL REFERENCES announcements(id),
    name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    data BLOB NOT NULL
);
CREATE INDEX announcement_files_announcement ON announcement_files(announcement_id);

CREATE TRIGGER announcements_search_ins AFTER INSERT ON announcements BEGIN INSERT INTO search_dirty (kind, ref_id) VALUES ('announcement', NEW.id); END;
CREATE TRIGGER announcements_search_upd AFTER UPDATE OF title, body ON announcements BEGIN INSERT INTO search_dirty (kind, ref_id) VALUES ('announcement', NEW.id); END;
CREATE TRIGGER announcements_search_del AFTER DELETE ON announcements BEGIN INSERT INTO search_dirty (kind, ref_id) VALUES ('announcement', OLD.id); END;
