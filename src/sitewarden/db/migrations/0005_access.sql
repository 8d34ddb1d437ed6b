-- Access control: people, badges, face templates, rules, holidays and snapshots from
-- ordinary cameras. A person is the vault subject 'p-<person_id>': their name, ID
-- number, phone, bar reason, badge values and face templates are sealed under that
-- subject's data key, so erasing the person shreds all of them at once.

CREATE TABLE access_people (
    site_id             TEXT NOT NULL REFERENCES sites(site_id),
    person_id           TEXT NOT NULL,
    grp                 TEXT NOT NULL CHECK (grp IN ('resident', 'staff', 'contractor', 'visitor')),
    valid_from          {bigint},
    valid_until         {bigint},
    sealed_name         {bytes} NOT NULL,
    sealed_national_id  {bytes},
    sealed_phone        {bytes},
    barred_at           {bigint},
    barred_by           TEXT,
    sealed_bar_reason   {bytes},
    created_at          {bigint} NOT NULL,
    created_by          TEXT NOT NULL,
    PRIMARY KEY (site_id, person_id)
);

-- A badge is found by a truncated blind index of its value (false positives are
-- removed by opening the sealed value); revoked badges stay so a reader can say so.
CREATE TABLE access_badges (
    site_id       TEXT NOT NULL,
    badge_ref     TEXT NOT NULL,
    person_id     TEXT NOT NULL,
    lookup        {bytes} NOT NULL,
    sealed_value  {bytes} NOT NULL,
    created_at    {bigint} NOT NULL,
    revoked_at    {bigint},
    PRIMARY KEY (site_id, badge_ref),
    FOREIGN KEY (site_id, person_id) REFERENCES access_people(site_id, person_id)
        ON DELETE CASCADE
);
CREATE INDEX access_badges_lookup ON access_badges(site_id, lookup);
CREATE INDEX access_badges_person ON access_badges(site_id, person_id);

-- Face templates (128 float32 ResNet embeddings), sealed under the person's key.
CREATE TABLE access_face_templates (
    site_id          TEXT NOT NULL,
    template_id      TEXT NOT NULL,
    person_id        TEXT NOT NULL,
    sealed_template  {bytes} NOT NULL,
    created_at       {bigint} NOT NULL,
    PRIMARY KEY (site_id, template_id),
    FOREIGN KEY (site_id, person_id) REFERENCES access_people(site_id, person_id)
        ON DELETE CASCADE
);
CREATE INDEX access_face_templates_person ON access_face_templates(site_id, person_id);

-- Bumped in the same transaction as any change to a site's templates, so that every
-- node notices and reloads its in-memory gallery.
CREATE TABLE access_gallery_versions (
    site_id  TEXT PRIMARY KEY,
    version  {bigint} NOT NULL
);

-- Who may pass where and when: group x zone x weekly windows (site time) x validity.
CREATE TABLE access_rules (
    site_id             TEXT NOT NULL REFERENCES sites(site_id),
    rule_id             TEXT NOT NULL,
    grp                 TEXT NOT NULL,
    zone_id             TEXT NOT NULL,   -- '*' for every zone of the site
    windows             TEXT NOT NULL,   -- JSON list of {days, start, end}
    applies_on_holidays {bigint} NOT NULL,
    valid_from          {bigint},
    valid_until         {bigint},
    created_at          {bigint} NOT NULL,
    PRIMARY KEY (site_id, rule_id)
);

CREATE TABLE access_holidays (
    site_id  TEXT NOT NULL REFERENCES sites(site_id),
    day      TEXT NOT NULL,              -- YYYY-MM-DD in the site's timezone
    name     TEXT NOT NULL,
    PRIMARY KEY (site_id, day)
);

-- Snapshots from ordinary cameras: stored only after every detected face was blurred,
-- sealed under the site's key; deleted with the face_crops retention category.
CREATE TABLE camera_snapshots (
    site_id        TEXT NOT NULL,
    snapshot_id    TEXT NOT NULL,
    device_id      TEXT NOT NULL,
    taken_at       {bigint} NOT NULL,
    width          {bigint} NOT NULL,
    height         {bigint} NOT NULL,
    faces_blurred  {bigint} NOT NULL,
    sealed_image   {bytes} NOT NULL,
    PRIMARY KEY (site_id, snapshot_id)
);
CREATE INDEX camera_snapshots_time ON camera_snapshots(taken_at);
CREATE INDEX camera_snapshots_device ON camera_snapshots(site_id, device_id, taken_at);
