-- Privacy: sealed personal parts, subjects with truncated blind indexes, wrapped data
-- keys, the audit chain, consent records.

-- personal now holds sealed bytes only; media (face crops, snapshots) is sealed apart
-- so that it can expire sooner than the event. subject_id names the data key.
ALTER TABLE events ADD COLUMN subject_id TEXT;
ALTER TABLE events ADD COLUMN media {bytes};
-- @sqlite
CREATE INDEX events_subject_time ON events(site_id, subject_id, occurred_at)
    WHERE subject_id IS NOT NULL;
-- @postgres
CREATE INDEX events_subject_time ON events(site_id, subject_id, occurred_at, id)
    WHERE subject_id IS NOT NULL;
-- @end

-- One data key per subject (person, vehicle) and one per site, wrapped by the KEK.
-- Deleting a row crypto-shreds everything sealed under it, backups included.
CREATE TABLE data_keys (
    site_id     TEXT NOT NULL,
    subject_id  TEXT NOT NULL,
    wrapped     {bytes} NOT NULL,
    kek_id      TEXT NOT NULL,
    created_at  {bigint} NOT NULL,
    PRIMARY KEY (site_id, subject_id)
);
CREATE INDEX data_keys_kek ON data_keys(kek_id);

-- A subject is found by a truncated keyed hash (lookup) of its identifying value; the
-- value itself is kept sealed so that false positives can be told apart.
CREATE TABLE subjects (
    site_id       TEXT NOT NULL,
    subject_id    TEXT NOT NULL,
    kind          TEXT NOT NULL,
    field         TEXT NOT NULL,
    lookup        {bytes} NOT NULL,
    sealed_value  {bytes} NOT NULL,
    created_at    {bigint} NOT NULL,
    PRIMARY KEY (site_id, subject_id)
);
CREATE INDEX subjects_lookup ON subjects(site_id, field, lookup);

-- Append-only audit chain: mac = HMAC(audit key, previous mac + this entry).
CREATE TABLE audit_log (
    seq         {bigint} PRIMARY KEY,
    at          {bigint} NOT NULL,
    actor       TEXT NOT NULL,
    role        TEXT NOT NULL,
    action      TEXT NOT NULL,
    site_id     TEXT,
    targets     TEXT NOT NULL,
    purpose     TEXT,
    request_id  TEXT,
    mac         {bytes} NOT NULL
);
CREATE INDEX audit_log_at ON audit_log(at);
-- The newest entry's seq and mac, itself authenticated, so deleting the tail shows.
CREATE TABLE audit_head (
    id    {bigint} PRIMARY KEY CHECK (id = 1),
    seq   {bigint} NOT NULL,
    mac   {bytes} NOT NULL,
    seal  {bytes} NOT NULL
);

CREATE TABLE consents (
    site_id       TEXT NOT NULL,
    consent_id    TEXT NOT NULL,
    subject_id    TEXT NOT NULL,
    purpose       TEXT NOT NULL,
    method        TEXT NOT NULL,
    given_at      {bigint} NOT NULL,
    recorded_by   TEXT NOT NULL,
    withdrawn_at  {bigint},
    PRIMARY KEY (site_id, consent_id)
);
CREATE INDEX consents_subject ON consents(site_id, subject_id);
