-- How a camera hangs (issue 17, item 2): the clockwise turn, in degrees, that makes its
-- picture upright. Snapshots are turned by it before faces are blurred and stored, so
-- that an operator opens them upright; the face search still looks at every angle.
ALTER TABLE devices ADD COLUMN rotation INTEGER NOT NULL DEFAULT 0
    CHECK (rotation IN (0, 90, 180, 270));
