-- The documents of a development step (入党申请书, 思想汇报, 政审材料, 培训结业证书 …), each
-- checked by content on upload and kept with the step it documents.

CREATE TABLE dev_step_files (
    id INTEGER PRIMARY KEY,
    person_id INTEGER NOT NULL REFERENCES people(id),
    step TEXT NOT NULL,
    filename TEXT NOT NULL,
    content_type TEXT NOT NULL,
    data BLOB NOT NULL,
    recorded_by INTEGER NOT NULL,
    recorded_ms INTEGER NOT NULL
);
CREATE INDEX dev_step_files_person ON dev_step_files(person_id);
