-- The privacy centre (issue 21).
--
-- subject_requests: each access or erasure request, tracked until answered (GDPR Art.
-- 12(3): one month). The identifying value is never stored: only which field it was,
-- the subjects it resolved to, and the value masked as the console shows it.
CREATE TABLE subject_requests (
    site_id          TEXT NOT NULL,
    request_id       TEXT NOT NULL,
    kind             TEXT NOT NULL,
    field            TEXT NOT NULL,
    masked_value     TEXT NOT NULL,
    subject_ids      TEXT NOT NULL,
    purpose          TEXT NOT NULL,
    state            TEXT NOT NULL,
    opened_by        TEXT NOT NULL,
    opened_at        {bigint} NOT NULL,
    due_at           {bigint} NOT NULL,
    erase_asked_by   TEXT,
    answered_by      TEXT,
    answered_at      {bigint},
    outcome          TEXT,
    PRIMARY KEY (site_id, request_id)
);
CREATE INDEX subject_requests_open ON subject_requests(state, due_at);
-- Download links of exports: only a hash of the link's token, and when it stops working.
CREATE TABLE subject_export_links (
    token_hash  {bytes} NOT NULL PRIMARY KEY,
    site_id     TEXT NOT NULL,
    request_id  TEXT NOT NULL,
    created_by  TEXT NOT NULL,
    expires_at  {bigint} NOT NULL
);
-- Per site: whether an erasure waits for a second person, and the answer's deadline.
CREATE TABLE subject_request_settings (
    site_id                     TEXT NOT NULL PRIMARY KEY,
    erasure_needs_confirmation  {bigint} NOT NULL,
    deadline_days               {bigint} NOT NULL
);
-- Each retention run: when, started by what (the job, the CLI) and what it deleted.
CREATE TABLE retention_runs (
    started_at   {bigint} NOT NULL,
    finished_at  {bigint} NOT NULL,
    trigger_by   TEXT NOT NULL,
    deleted      TEXT NOT NULL
);
CREATE INDEX retention_runs_time ON retention_runs(started_at);
-- Consents: the evidence given (a form's reference, where the signed copy is kept) and
-- when the consent lapses on its own (NULL: until withdrawn).
ALTER TABLE consents ADD COLUMN evidence TEXT;
ALTER TABLE consents ADD COLUMN expires_at {bigint};
