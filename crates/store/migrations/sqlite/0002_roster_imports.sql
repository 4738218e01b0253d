-- Roster imports: what was uploaded and previewed, so that the commit applies exactly what the
-- importer saw. The parsed rows are kept only until the import is committed or discarded.
CREATE TABLE roster_imports (
    id INTEGER PRIMARY KEY,
    account_id INTEGER REFERENCES accounts(id),
    actor TEXT NOT NULL,
    root_org_id INTEGER REFERENCES orgs(id),
    root_unit_id INTEGER REFERENCES units(id),
    filename TEXT NOT NULL,
    file_sha256 TEXT NOT NULL,
    rows_json TEXT,
    row_count INTEGER NOT NULL,
    problem_count INTEGER NOT NULL,
    state TEXT NOT NULL,
    summary_json TEXT,
    created_ms INTEGER NOT NULL,
    finished_ms INTEGER
);
CREATE INDEX roster_imports_account ON roster_imports(account_id);
