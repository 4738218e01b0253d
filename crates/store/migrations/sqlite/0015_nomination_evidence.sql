-- Evidence a nominator attaches to a nomination (checked by content, photos without EXIF); in a
-- mass nomination each supporter's own files.
CREATE TABLE selection_evidence (
    id INTEGER PRIMARY KEY,
    nomination_id INTEGER NOT NULL REFERENCES selection_nominations(id),
    person_id INTEGER REFERENCES people(id),
    filename TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    data BLOB NOT NULL,
    created_ms INTEGER NOT NULL
);
CREATE INDEX selection_evidence_nomination ON selection_evidence(nomination_id);
