-- Search in Chinese: a document per record that can be found (its shown title and text) and
-- its keys (bigrams, pinyin, numbers: see pacesetter_domain::search). The index is derived:
-- triggers mark what changed in search_dirty and the server re-indexes it (store::search::
-- refresh) before it answers a search and on its schedule. Nothing here is backed up.
CREATE TABLE search_docs (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    ref_id INTEGER NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    UNIQUE (kind, ref_id)
);
CREATE TABLE search_keys (
    key TEXT NOT NULL,
    doc_id INTEGER NOT NULL REFERENCES search_docs(id) ON DELETE CASCADE,
    PRIMARY KEY (key, doc_id)
);
CREATE INDEX search_keys_doc ON search_keys(doc_id);
CREATE TABLE search_dirty (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    ref_id INTEGER NOT NULL
);

CREATE TRIGGER people_search_ins AFTER INSERT ON people BEGIN INSERT INTO search_dirty (kind, ref_id) VALUES ('person', NEW.id); END;
CREATE TRIGGER people_search_upd AFTER UPDATE OF name, number ON people BEGIN INSERT INTO search_dirty (kind, ref_id) VALUES ('person', NEW.id); END;
CREATE TRIGGER people_search_del AFTER DELETE ON people BEGIN INSERT INTO search_dirty (kind, ref_id) VALUES ('person', OLD.id); END;
CREATE TRIGGER orgs_search_ins AFTER INSERT ON orgs BEGIN INSERT INTO search_dirty (kind, ref_id) VALUES ('org', NEW.id); END;
CREATE TRIGGER orgs_search_upd AFTER UPDATE OF name ON orgs BEGIN INSERT INTO search_dirty (kind, ref_id) VALUES ('org', NEW.id); END;
CREATE TRIGGER orgs_search_del AFTER DELETE ON orgs BEGIN INSERT INTO search_dirty (kind, ref_id) VALUES ('org', OLD.id); END;
CREATE TRIGGER units_search_ins AFTER INSERT ON units BEGIN INSERT INTO search_dirty (kind, ref_id) VALUES ('unit', NEW.id); END;
CREATE TRIGGER units_search_upd AFTER UPDATE OF name ON units BEGIN INSERT INTO search_dirty (kind, ref_id) VALUES ('unit', NEW.id); END;
CREATE TRIGGER units_search_del AFTER DELETE ON units BEGIN INSERT INTO search_dirty (kind, ref_id) VALUES ('unit', OLD.id); END;
CREATE TRIGGER commitments_search_ins AFTER INSERT ON commitments BEGIN INSERT INTO search_dirty (kind, ref_id) VALUES ('commitment', NEW.id); END;
CREATE TRIGGER commitments_search_upd AFTER UPDATE OF content, measures, target ON commitments BEGIN INSERT INTO search_dirty (kind, ref_id) VALUES ('commitment', NEW.id); END;
CREATE TRIGGER commitments_search_del AFTER DELETE ON commitments BEGIN INSERT INTO search_dirty (kind, ref_id) VALUES ('commitment', OLD.id); END;
CREATE TRIGGER problems_search_ins AFTER INSERT ON problems BEGIN INSERT INTO search_dirty (kind, ref_id) VALUES ('problem', NEW.id); END;
CREATE TRIGGER problems_search_upd AFTER UPDATE OF body ON problems BEGIN INSERT INTO search_dirty (kind, ref_id) VALUES ('problem', NEW.id); END;
CREATE TRIGGER problems_search_del AFTER DELETE ON problems BEGIN INSERT INTO search_dirty (kind, ref_id) VALUES ('problem', OLD.id); END;
CREATE TRIGGER study_docs_search_ins AFTER INSERT ON study_docs BEGIN INSERT INTO search_dirty (kind, ref_id) VALUES ('study_doc', NEW.id); END;
CREATE TRIGGER study_docs_search_upd AFTER UPDATE OF title, body ON study_docs BEGIN INSERT INTO search_dirty (kind, ref_id) VALUES ('study_doc', NEW.id); END;
CREATE TRIGGER study_docs_search_del AFTER DELETE ON study_docs BEGIN INSERT INTO search_dirty (kind, ref_id) VALUES ('study_doc', OLD.id); END;

INSERT INTO search_dirty (kind, ref_id) SELECT 'person', id FROM people;
INSERT INTO search_dirty (kind, ref_id) SELECT 'org', id FROM orgs;
INSERT INTO search_dirty (kind, ref_id) SELECT 'unit', id FROM units;
INSERT INTO search_dirty (kind, ref_id) SELECT 'commitment', id FROM commitments;
INSERT INTO search_dirty (kind, ref_id) SELECT 'problem', id FROM problems;
INSERT INTO search_dirty (kind, ref_id) SELECT 'study_doc', id FROM study_docs;
