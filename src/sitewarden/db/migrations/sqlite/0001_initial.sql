-- sitewarden schema, version 1. Every table that holds site data is keyed by site_id.
-- Times are integers: microseconds since the Unix epoch, UTC.

CREATE TABLE sites (
    site_id      TEXT PRIMARY KEY,
    name         TEXT NOT NULL,
    timezone     TEXT NOT NULL,
    plan_width   INTEGER NOT NULL,
    plan_height  INTEGER NOT NULL,
    created_at   INTEGER NOT NULL
);

CREATE TABLE zones (
    site_id      TEXT NOT NULL REFERENCES sites(site_id),
    zone_id      TEXT NOT NULL,
    name         TEXT NOT NULL,
    capacity     INTEGER,
    created_at   INTEGER NOT NULL,
    PRIMARY KEY (site_id, zone_id)
);

CREATE TABLE devices (
    site_id          TEXT NOT NULL REFERENCES sites(site_id),
    device_id        TEXT NOT NULL,
    zone_id          TEXT,
    kind             TEXT NOT NULL,
    name             TEXT NOT NULL,
    x                REAL,
    y                REAL,
    heartbeat_s      INTEGER NOT NULL,
    created_at       INTEGER NOT NULL,
    last_seen_at     INTEGER,
    token_id         TEXT UNIQUE,
    token_hash       BLOB,
    token_issued_at  INTEGER,
    token_revoked_at INTEGER,
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
    disabled             INTEGER NOT NULL DEFAULT 0,
    must_change_password INTEGER NOT NULL DEFAULT 0,
    created_at           INTEGER NOT NULL,
    last_login_at        INTEGER
);

CREATE TABLE api_keys (
    key_id       TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users(user_id),
    name         TEXT NOT NULL,
    secret_hash  BLOB NOT NULL,
    created_at   INTEGER NOT NULL,
    revoked_at   INTEGER
);
CREATE INDEX api_keys_user ON api_keys(user_id);

CREATE TABLE web_sessions (
    session_hash BLOB PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users(user_id),
    csrf_token   TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL
);
CREATE INDEX web_sessions_user ON web_sessions(user_id);

-- Events: the id is a UUIDv7 (16 bytes, time-ordered). personal is kept apart from
-- attributes so that it can be sealed; the store never interprets it.
CREATE TABLE events (
    id           BLOB PRIMARY KEY,
    site_id      TEXT NOT NULL,
    zone_id      TEXT,
    device_id    TEXT NOT NULL,
    kind         TEXT NOT NULL,
    family       TEXT NOT NULL,
    severity     TEXT NOT NULL,
    occurred_at  INTEGER NOT NULL,
    received_at  INTEGER NOT NULL,
    attributes   TEXT NOT NULL,
    personal     BLOB,
    note         TEXT
) WITHOUT ROWID;
CREATE INDEX events_site_time   ON events(site_id, occurred_at);
CREATE INDEX events_device_time ON events(site_id, device_id, occurred_at);
CREATE INDEX events_family_time ON events(site_id, family, occurred_at);
CREATE INDEX events_time        ON events(occurred_at);
