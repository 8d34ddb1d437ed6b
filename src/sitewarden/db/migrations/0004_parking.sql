-- Parking: lanes, plate settings, tariffs, vehicles, lists, permits, sessions, payments,
-- gate reads and the review queue. Vehicles appear only as vault subject ids: a plate
-- is never stored in clear (it lives sealed in the subject and in events).

CREATE TABLE parking_lanes (
    site_id     TEXT NOT NULL,
    device_id   TEXT NOT NULL,
    zone_id     TEXT NOT NULL,
    direction   TEXT NOT NULL CHECK (direction IN ('entry', 'exit')),
    created_at  {bigint} NOT NULL,
    PRIMARY KEY (site_id, device_id),
    FOREIGN KEY (site_id, device_id) REFERENCES devices(site_id, device_id) ON DELETE CASCADE
);

CREATE TABLE parking_plate_settings (
    site_id             TEXT PRIMARY KEY REFERENCES sites(site_id),
    formats             TEXT NOT NULL,   -- JSON list of format names, in order
    custom_formats      TEXT NOT NULL,   -- JSON list of {name, pattern}
    review_below        {double} NOT NULL,
    duplicate_window_s  {bigint} NOT NULL
);

CREATE TABLE parking_tariffs (
    site_id     TEXT NOT NULL,
    zone_id     TEXT NOT NULL,
    tariff      TEXT NOT NULL,           -- JSON of the Tariff, amounts in minor units
    updated_at  {bigint} NOT NULL,
    updated_by  TEXT NOT NULL,
    PRIMARY KEY (site_id, zone_id),
    FOREIGN KEY (site_id, zone_id) REFERENCES zones(site_id, zone_id)
);

CREATE TABLE parking_vehicles (
    site_id     TEXT NOT NULL,
    subject_id  TEXT NOT NULL,
    owner_ref   TEXT,
    note        TEXT,
    created_at  {bigint} NOT NULL,
    created_by  TEXT NOT NULL,
    PRIMARY KEY (site_id, subject_id)
);

CREATE TABLE parking_lists (
    site_id      TEXT NOT NULL,
    entry_id     TEXT NOT NULL,
    subject_id   TEXT NOT NULL,
    list_name    TEXT NOT NULL CHECK (list_name IN ('allow', 'deny')),
    zone_id      TEXT,                   -- NULL: every garage of the site
    reason       TEXT NOT NULL,
    valid_from   {bigint},
    valid_until  {bigint},
    created_at   {bigint} NOT NULL,
    created_by   TEXT NOT NULL,
    PRIMARY KEY (site_id, entry_id)
);
CREATE INDEX parking_lists_subject ON parking_lists(site_id, subject_id);

CREATE TABLE parking_permits (
    site_id      TEXT NOT NULL,
    permit_id    TEXT NOT NULL,
    subject_id   TEXT NOT NULL,
    zone_id      TEXT,
    kind         TEXT NOT NULL,
    valid_from   {bigint} NOT NULL,
    valid_until  {bigint} NOT NULL,
    created_at   {bigint} NOT NULL,
    created_by   TEXT NOT NULL,
    PRIMARY KEY (site_id, permit_id)
);
CREATE INDEX parking_permits_subject ON parking_permits(site_id, subject_id);

CREATE TABLE parking_sessions (
    site_id         TEXT NOT NULL,
    session_id      TEXT NOT NULL,
    zone_id         TEXT NOT NULL,
    subject_id      TEXT NOT NULL,
    state           TEXT NOT NULL CHECK (state IN ('open', 'closed', 'voided')),
    entry_at        {bigint} NOT NULL,
    entry_device    TEXT,
    currency        TEXT NOT NULL,
    exit_at         {bigint},
    exit_device     TEXT,
    fee_minor       {bigint} NOT NULL DEFAULT 0,
    paid_minor      {bigint} NOT NULL DEFAULT 0,
    paid_at         {bigint},
    lost_ticket     {bigint} NOT NULL DEFAULT 0,
    permit_id       TEXT,
    closed_reason   TEXT,
    entry_event_id  TEXT,
    PRIMARY KEY (site_id, session_id)
);
-- One open stay per vehicle and garage: a second entry voids the first in the same
-- transaction, and two exits at once can close a stay only once.
CREATE UNIQUE INDEX parking_sessions_one_open ON parking_sessions(site_id, zone_id, subject_id)
    WHERE state = 'open';
CREATE INDEX parking_sessions_subject ON parking_sessions(site_id, subject_id, entry_at);
CREATE INDEX parking_sessions_time ON parking_sessions(site_id, zone_id, entry_at);
CREATE INDEX parking_sessions_id ON parking_sessions(session_id);

CREATE TABLE parking_payments (
    site_id      TEXT NOT NULL,
    payment_id   TEXT NOT NULL,
    session_id   TEXT NOT NULL,
    amount_minor {bigint} NOT NULL CHECK (amount_minor > 0),
    currency     TEXT NOT NULL,
    method       TEXT NOT NULL,
    reference    TEXT NOT NULL,
    paid_at      {bigint} NOT NULL,
    recorded_by  TEXT NOT NULL,
    PRIMARY KEY (site_id, payment_id),
    UNIQUE (site_id, session_id, reference)   -- a retried payment is recorded once
);
CREATE INDEX parking_payments_time ON parking_payments(site_id, paid_at);

CREATE TABLE parking_gate_reads (
    site_id     TEXT NOT NULL,
    device_id   TEXT NOT NULL,
    subject_id  TEXT NOT NULL,
    at          {bigint} NOT NULL,
    opened      {bigint} NOT NULL,
    reason      TEXT NOT NULL,
    session_id  TEXT,
    PRIMARY KEY (site_id, device_id, subject_id)
);

CREATE TABLE parking_reviews (
    site_id      TEXT NOT NULL,
    review_id    TEXT NOT NULL,
    device_id    TEXT NOT NULL,
    zone_id      TEXT,
    direction    TEXT NOT NULL,
    event_id     TEXT,                   -- the plate.read event that holds the sealed guess
    confidence   {double} NOT NULL,
    reason       TEXT NOT NULL,
    created_at   {bigint} NOT NULL,
    state        TEXT NOT NULL CHECK (state IN ('pending', 'resolved')),
    resolution   TEXT,
    resolved_by  TEXT,
    resolved_at  {bigint},
    PRIMARY KEY (site_id, review_id)
);
CREATE INDEX parking_reviews_state ON parking_reviews(site_id, state, created_at);
