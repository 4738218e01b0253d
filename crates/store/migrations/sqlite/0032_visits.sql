-- Cadres' visits to their classes (item 8): when, where, whom they met, what about, notes and
-- photos; the problems raised in a visit point at it. The office sets after how many weeks a
-- class counts as unvisited (one row once set; the default until then).

CREATE TABLE liaison_rules (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    unvisited_weeks INTEGER NOT NULL
);

CREATE TABLE visits (
    id INTEGER PRIMARY KEY,
    cadre_id INTEGER NOT NULL REFERENCES people(id),
    class_id INTEGER NOT NULL REFERENCES units(id),
    on_day DATE NOT NULL,
    place TEXT NOT NULL,
    met TEXT NOT NULL,
    topics TEXT NOT NULL,
    notes TEXT,
    created_ms INTEGER NOT NULL
);
CREATE INDEX visits_class ON visits(class_id, on_day);
CREATE INDEX visits_cadre ON visits(cadre_id, on_day);

CREATE TABLE visit_photos (
    id INTEGER PRIMARY KEY,
    visit_id INTEGER NOT NULL REFERENCES visits(id),
    content_type TEXT NOT NULL,
    data BLOB NOT NULL
);
CREATE INDEX visit_photos_visit ON visit_photos(visit_id);

ALTER TABLE problems ADD COLUMN visit_id INTEGER REFERENCES visits(id);
