-- Reader face images kept for disputes (off by default: setting reader_image_days).
-- Sealed under the matched person's data key (erasing them shreds the image) or, when
-- nobody matched, the site's; each row expires on its own date, set when it was kept.
CREATE TABLE access_reader_images (
    site_id       TEXT NOT NULL,
    event_id      TEXT NOT NULL,
    device_id     TEXT NOT NULL,
    person_id     TEXT,
    taken_at      {bigint} NOT NULL,
    expires_at    {bigint} NOT NULL,
    media_type    TEXT NOT NULL,
    sealed_image  {bytes} NOT NULL,
    PRIMARY KEY (site_id, event_id)
);
CREATE INDEX access_reader_images_expiry ON access_reader_images(expires_at);
CREATE INDEX access_reader_images_person ON access_reader_images(site_id, person_id);
