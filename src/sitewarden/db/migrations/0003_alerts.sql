-- Alerts, device health, notifications, occupancy aggregates.

-- Device health as last decided by the health checker (survives restarts).
ALTER TABLE devices ADD COLUMN health TEXT NOT NULL DEFAULT 'unknown';
ALTER TABLE devices ADD COLUMN health_changed_at {bigint};

-- Rules an administrator added or changed; the shipped defaults live in code.
CREATE TABLE alert_rules (
    rule_id     TEXT PRIMARY KEY,
    definition  TEXT NOT NULL,
    updated_at  {bigint} NOT NULL,
    updated_by  TEXT NOT NULL
);

CREATE TABLE alerts (
    site_id          TEXT NOT NULL,
    alert_id         TEXT NOT NULL,
    rule_id          TEXT NOT NULL,
    dedupe_key       TEXT NOT NULL,
    severity         TEXT NOT NULL,
    state            TEXT NOT NULL,
    title            TEXT NOT NULL,
    zone_id          TEXT,
    device_id        TEXT,
    count            {bigint} NOT NULL,
    first_at         {bigint} NOT NULL,
    last_at          {bigint} NOT NULL,
    last_event_id    {bytes},
    escalated_at     {bigint},
    acknowledged_at  {bigint},
    acknowledged_by  TEXT,
    resolved_at      {bigint},
    resolved_by      TEXT,
    PRIMARY KEY (site_id, alert_id)
);
-- At most one unresolved alert per condition: repeats update it instead.
CREATE UNIQUE INDEX alerts_open_condition ON alerts(site_id, rule_id, dedupe_key)
    WHERE state != 'resolved';
CREATE INDEX alerts_site_time ON alerts(site_id, last_at);
CREATE INDEX alerts_state ON alerts(state, severity);

CREATE TABLE alert_history (
    site_id   TEXT NOT NULL,
    alert_id  TEXT NOT NULL,
    seq       {bigint} NOT NULL,
    at        {bigint} NOT NULL,
    actor     TEXT NOT NULL,
    action    TEXT NOT NULL,
    note      TEXT,
    PRIMARY KEY (site_id, alert_id, seq)
);

CREATE TABLE webhooks (
    webhook_id  TEXT PRIMARY KEY,
    site_id     TEXT,
    url         TEXT NOT NULL,
    secret      TEXT NOT NULL,
    min_severity TEXT NOT NULL,
    enabled     {bigint} NOT NULL DEFAULT 1,
    created_at  {bigint} NOT NULL
);

-- The outbox: a delivery is queued in the same transaction as the alert change.
CREATE TABLE webhook_deliveries (
    delivery_id     TEXT PRIMARY KEY,
    webhook_id      TEXT NOT NULL,
    site_id         TEXT NOT NULL,
    alert_id        TEXT NOT NULL,
    payload         TEXT NOT NULL,
    state           TEXT NOT NULL,
    attempts        {bigint} NOT NULL DEFAULT 0,
    next_attempt_at {bigint} NOT NULL,
    last_error      TEXT,
    created_at      {bigint} NOT NULL,
    delivered_at    {bigint}
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries(state, next_attempt_at);

-- Occupancy aggregates: counts only, never identifiers.
CREATE TABLE occupancy (
    site_id         TEXT NOT NULL,
    zone_id         TEXT NOT NULL,
    source          TEXT NOT NULL,
    interval_start  {bigint} NOT NULL,
    interval_s      {bigint} NOT NULL,
    count           {bigint} NOT NULL,
    PRIMARY KEY (site_id, zone_id, source, interval_start)
);
