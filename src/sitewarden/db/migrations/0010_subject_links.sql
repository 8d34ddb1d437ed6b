-- Subjects seen together in one event (an ID number beside a badge, a person_ref beside
-- a phone) belong to one person: erasure and export follow these links to every subject
-- of that person. One row per pair, the smaller id first.
CREATE TABLE subject_links (
    site_id     TEXT NOT NULL,
    subject_id  TEXT NOT NULL,
    linked_id   TEXT NOT NULL,
    PRIMARY KEY (site_id, subject_id, linked_id)
);
CREATE INDEX subject_links_linked ON subject_links(site_id, linked_id);

-- Events sealed before links were kept, per site: among them, an event that carried a
-- value beside another identifier is found only by that other one, so subject requests
-- on such a site say that they may be incomplete.
CREATE TABLE unlinked_events (
    site_id  TEXT PRIMARY KEY,
    events   {bigint} NOT NULL
);
INSERT INTO unlinked_events
    SELECT site_id, count(*) FROM events WHERE subject_id IS NOT NULL GROUP BY site_id;
