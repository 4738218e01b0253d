-- Publicity (item 19): stories of models, of 我身边的优秀共产党员, and campaign news. Written by a
-- secondary organization (source_org_id) or the office (NULL), edited and published by the
-- office on a public page; about a person, an organization or an award of the register.
CREATE TABLE stories (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    summary TEXT NOT NULL,
    body TEXT NOT NULL,
    source_org_id INTEGER REFERENCES orgs(id),
    person_id INTEGER REFERENCES people(id),
    subject_org_id INTEGER REFERENCES orgs(id),
    award_id INTEGER REFERENCES awards(id),
    state TEXT NOT NULL,
    review_comment TEXT,
    version INTEGER NOT NULL,
    created_by INTEGER NOT NULL,
    created_ms INTEGER NOT NULL,
    updated_ms INTEGER NOT NULL,
    published_ms INTEGER
);
CREATE INDEX stories_state ON stories(state, published_ms);
CREATE INDEX stories_person ON stories(person_id);
CREATE INDEX stories_award ON stories(award_id);
CREATE TABLE story_images (
    id INTEGER PRIMARY KEY,
    story_id INTEGER NOT NULL REFERENCES stories(id),
    name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    data BLOB NOT NULL
);
CREATE INDEX story_images_story ON story_images(story_id);

CREATE TRIGGER story_search_ins AFTER INSERT ON stories BEGIN INSERT INTO search_dirty (kind, ref_id) VALUES ('story', NEW.id); END;
CREATE TRIGGER story_search_upd AFTER UPDATE OF title, summary, body ON stories BEGIN INSERT INTO search_dirty (kind, ref_id) VALUES ('story', NEW.id); END;
CREATE TRIGGER story_search_del AFTER DELETE ON stories BEGIN INSERT INTO search_dirty (kind, ref_id) VALUES ('story', OLD.id); END;
