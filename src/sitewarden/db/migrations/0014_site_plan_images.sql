-- An optional floor-plan image per site, drawn under the console's site plan (issue 19):
-- a PNG or JPEG as uploaded by an admin, checked by decoding it before it is stored.
-- It holds no personal data: a drawing of the building, not a camera's picture.
CREATE TABLE site_plan_images (
    site_id      TEXT PRIMARY KEY REFERENCES sites(site_id) ON DELETE CASCADE,
    media_type   TEXT NOT NULL CHECK (media_type IN ('image/png', 'image/jpeg')),
    image        {bytes} NOT NULL,
    width        {bigint} NOT NULL,
    height       {bigint} NOT NULL,
    uploaded_by  TEXT NOT NULL,
    uploaded_at  {bigint} NOT NULL
);
