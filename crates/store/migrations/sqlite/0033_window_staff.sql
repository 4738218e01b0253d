-- A window's staff on its public page (item 9, 亮身份): each with the post they hold at the
-- window, a service number of the window's own (never the staff number, which is a login name),
-- a photo the unit uploads (checked by content and stripped of its metadata), and a Party-member
-- badge the person themself chooses to show.

CREATE TABLE window_staff (
    id INTEGER PRIMARY KEY,
    window_id INTEGER NOT NULL REFERENCES units(id),
    person_id INTEGER NOT NULL REFERENCES people(id),
    post TEXT NOT NULL,
    service_no TEXT NOT NULL,
    show_badge BOOLEAN NOT NULL,
    created_ms INTEGER NOT NULL
);
CREATE UNIQUE INDEX window_staff_person ON window_staff(window_id, person_id);
CREATE UNIQUE INDEX window_staff_service_no ON window_staff(window_id, service_no);

CREATE TABLE window_staff_photos (
    staff_id INTEGER PRIMARY KEY REFERENCES window_staff(id),
    content_type TEXT NOT NULL,
    data BLOB NOT NULL
);
