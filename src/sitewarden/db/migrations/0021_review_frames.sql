-- The gate frame of a plate read that went to the review queue (issue 20): re-encoded as
-- JPEG (size capped), sealed under the data key of the vehicle the guess names (an erasure
-- shreds it), with the plate's box in the
-- stored frame's pixels. Deleted when the review is resolved, or by retention at
-- expires_at (the plate_reads period; NULL: that period is 0, kept until resolved).
CREATE TABLE parking_review_frames (
    site_id       TEXT NOT NULL,
    review_id     TEXT NOT NULL,
    subject_id    TEXT NOT NULL,
    taken_at      {bigint} NOT NULL,
    expires_at    {bigint},
    width         {bigint} NOT NULL,
    height        {bigint} NOT NULL,
    box_x         {bigint} NOT NULL,
    box_y         {bigint} NOT NULL,
    box_w         {bigint} NOT NULL,
    box_h         {bigint} NOT NULL,
    sealed_frame  {bytes} NOT NULL,
    PRIMARY KEY (site_id, review_id)
);
CREATE INDEX parking_review_frames_expiry ON parking_review_frames(expires_at);
