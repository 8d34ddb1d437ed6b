-- The last gate frame read at each lane with a plate (issue 20), shown on the garage
-- page's lane card: re-encoded and sealed like a review frame (0021), the plate's box in
-- its pixels. One row per lane, replaced by each new frame; deleted with the lane, or by
-- retention at expires_at (the plate_reads period; NULL: that period is 0).
CREATE TABLE parking_lane_frames (
    site_id       TEXT NOT NULL,
    device_id     TEXT NOT NULL,
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
    PRIMARY KEY (site_id, device_id)
);
CREATE INDEX parking_lane_frames_expiry ON parking_lane_frames(expires_at);
