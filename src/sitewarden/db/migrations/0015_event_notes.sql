-- Text search over event notes (issue 19: each console filter answers within 300 ms with
-- 10 million events). A note is rare (a test, an operator's remark), so a search for text
-- walked every event of the time range looking for one; these partial indexes hold only
-- the events that have a note, newest first per site and over all sites. The search adds
-- "note IS NOT NULL" so that both planners may use them (events/event_tables.py).
-- @sqlite
CREATE INDEX events_note_time      ON events(occurred_at) WHERE note IS NOT NULL;
CREATE INDEX events_site_note_time ON events(site_id, occurred_at) WHERE note IS NOT NULL;
-- @postgres
CREATE INDEX events_note_time      ON events(occurred_at, id) WHERE note IS NOT NULL;
CREATE INDEX events_site_note_time ON events(site_id, occurred_at, id) WHERE note IS NOT NULL;
-- @end
