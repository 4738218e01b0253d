-- Documents to study (items 1 and 4): the office publishes a document with its files to
-- organizations or units; each owes a study record through a task of the document's own
-- template, and hands it in by naming the study session it held (a meeting).

CREATE TABLE study_docs (
    id INTEGER PRIMARY KEY,
    campaign_id INTEGER NOT NULL REFERENCES campaigns(id),
    template_id INTEGER NOT NULL UNIQUE REFERENCES task_templates(id),
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    published_by INTEGER NOT NULL,
    published_ms INTEGER NOT NULL
);

CREATE TABLE study_doc_files (
    id INTEGER PRIMARY KEY,
    doc_id INTEGER NOT NULL REFERENCES study_docs(id),
    name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    data BLOB NOT NULL
);
CREATE INDEX study_doc_files_doc ON study_doc_files(doc_id);

-- Where a template comes from: the plan file ('plan'), or a document the office published
-- ('study'), which a later plan load neither changes nor retires.
ALTER TABLE task_templates ADD COLUMN origin TEXT NOT NULL DEFAULT 'plan';

-- A study record's submission names the meeting that was the study session.
CREATE TABLE submission_meetings (
    submission_id INTEGER PRIMARY KEY REFERENCES submissions(id),
    meeting_id INTEGER NOT NULL REFERENCES meetings(id)
);
CREATE INDEX submission_meetings_meeting ON submission_meetings(meeting_id);
