-- sitewarden schema, version 1. Every table that holds site data is keyed by site_id.
-- Times are integers: microseconds since the Unix epoch, UTC.

CREATE TABLE sites (
    site_id      TEXT PRIMARY KEY,
    name         TEXT NOT NULL,
    timezone     TEXT NOT NULL,
    plan_width   {bigint} NOT NULL,
    plan_height  {bigint} NOT NULL,
    created_at   {bigint} NOT NULL
);

CREATE TABLE zones (
    site_id      TEXT NOT NULL REFERENCES sites(site_id),
    zone_id      TEXT NOT NULL,
    name         TEXT NOT NULL,
    capacity     {bigint},
    created_at   {bigint} NOT NULL,
    PRIMARY KEY (site_id, zone_id)
);

CREATE TABLE devices (
    site_id          TEXT NOT NULL REFERENCES sites(site_id),
    device_id        TEXT NOT NULL,
    zone_id          TEXT,
    kind             TEXT NOT NULL,
    name             TEXT NOT NULL,
    x                {double},
    y                {double},
    heartbeat_s      {bigint} NOT NULL,
    created_at       {bigint} NOT NULL,
    last_seen_at     {bigint},
    token_id         TEXT UNIQUE,
    token_hash       {bytes},
    token_issued_at  {bigint},
    token_revoked_at {bigint},
    PRIMARY KEY (site_id, device_id),
    FOREIGN KEY (site_id, zone_id) REFERENCES zones(site_id, zone_id)
);

-- Operators are global (a reference table when sharded); site_scope limits what they see.
CREATE TABLE users (
    user_id              TEXT PRIMARY KEY,
    username             TEXT NOT NULL UNIQUE,
    role                 TEXT NOT NULL,
    password_hash        TEXT NOT NULL,
    site_scope           TEXT,            -- JSON list of site ids; NULL means every site
    disabled             {bigint} NOT NULL DEFAULT 0,
    must_change_password {bigint} NOT NULL DEFAULT 0,
    created_at           {bigint} NOT NULL,
    last_login_at        {bigint}
);

CREATE TABLE api_keys (
    key_id       TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users(user_id),
    name         TEXT NOT NULL,
    secret_hash  {bytes} NOT NULL,
    created_at   {bigint} NOT NULL,
    revoked_at   {bigint}
);
CREATE INDEX api_keys_user ON api_keys(user_id);

CREATE TABLE web_sessions (
    session_hash {bytes} PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users(user_id),
    csrf_token   TEXT NOT NULL,
    created_at   {bigint} NOT NULL,
    expires_at   {bigint} NOT NULL
);
CREATE INDEX web_sessions_user ON web_sessions(user_id);

-- Events: the id is a UUIDv7 (16 bytes, time-ordered). personal is kept apart from
-- attributes so that it can be sealed; the store never interprets it.
-- @postgres
-- Partitioned by kind lists (one partition per retention category) and each of those
-- by week of occurred_at, so that retention drops whole tables. The store creates the
-- category and week partitions (db/postgres_partitions.py); a row of a kind no
-- category lists lands in events_other. The key carries the partition columns, as
-- PostgreSQL requires, and site_id, as Citus requires to shard by site.
-- @end
CREATE TABLE events (
-- @sqlite
    id           BLOB PRIMARY KEY,
-- @postgres
    id           BYTEA NOT NULL,
-- @end
    site_id      TEXT NOT NULL,
    zone_id      TEXT,
    device_id    TEXT NOT NULL,
    kind         TEXT NOT NULL,
    family       TEXT NOT NULL,
    severity     TEXT NOT NULL,
    occurred_at  {bigint} NOT NULL,
    received_at  {bigint} NOT NULL,
    attributes   TEXT NOT NULL,
    personal     {bytes},
-- @sqlite
    note         TEXT
) WITHOUT ROWID;
CREATE INDEX events_site_time   ON events(site_id, occurred_at);
CREATE INDEX events_device_time ON events(site_id, device_id, occurred_at);
CREATE INDEX events_family_time ON events(site_id, family, occurred_at);
CREATE INDEX events_time        ON events(occurred_at);
-- @postgres
    note         TEXT,
    PRIMARY KEY (id, site_id, kind, occurred_at)
) PARTITION BY LIST (kind);
CREATE TABLE events_other PARTITION OF events DEFAULT;
-- As the SQLite indexes, whose entries end with the primary key (id) implicitly.
CREATE INDEX events_site_time   ON events(site_id, occurred_at, id);
CREATE INDEX events_device_time ON events(site_id, device_id, occurred_at, id);
CREATE INDEX events_family_time ON events(site_id, family, occurred_at, id);
CREATE INDEX events_time        ON events(occurred_at, id);
-- @end
