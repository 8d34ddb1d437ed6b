-- Event searches that stay fast with 10 million events (issue 19: each console filter
-- answers within 300 ms), measured by bench/console.py:
--
-- * Text: a note is rare (a test, an operator's remark), so a search for text walked
--   every event of the time range looking for one (4.8 s for a week). The partial note
--   indexes hold only the events that have a note, per site and over all sites; the
--   search adds "note IS NOT NULL" so that both planners may use them.
-- * One kind: a kind that is rare or absent in the range walked every event of it
--   (9.7 s for a week over all sites, 0.3-0.6 s for one site). By kind and time it reads
--   only the events of that kind.
-- * Severity major or worse: alarms are rare, so a week with few walked every event of
--   it (0.2-0.5 s for a week with alarms; seconds for one without). The partial severe
--   indexes hold only major and critical events; the search names that set in literal
--   SQL so that both planners may use them.
-- (intake/event_tables.py picks the index.)
-- @sqlite
CREATE INDEX events_note_time      ON events(occurred_at) WHERE note IS NOT NULL;
CREATE INDEX events_site_note_time ON events(site_id, occurred_at) WHERE note IS NOT NULL;
CREATE INDEX events_kind_time      ON events(kind, occurred_at);
CREATE INDEX events_severe_time    ON events(occurred_at)
    WHERE severity IN ('major', 'critical');
CREATE INDEX events_site_severe_time ON events(site_id, occurred_at)
    WHERE severity IN ('major', 'critical');
-- @postgres
CREATE INDEX events_note_time      ON events(occurred_at, id) WHERE note IS NOT NULL;
CREATE INDEX events_site_note_time ON events(site_id, occurred_at, id) WHERE note IS NOT NULL;
CREATE INDEX events_kind_time      ON events(kind, occurred_at, id);
CREATE INDEX events_severe_time    ON events(occurred_at, id)
    WHERE severity IN ('major', 'critical');
CREATE INDEX events_site_severe_time ON events(site_id, occurred_at, id)
    WHERE severity IN ('major', 'critical');
-- @end
