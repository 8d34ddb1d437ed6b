-- Other plates the readers read in a frame sent to review (issue 22), offered to the
-- person reviewing it beside the first guess: the vehicle subjects' ids, space
-- separated, never plate text (each is opened from the vault like the guess itself).
ALTER TABLE parking_reviews ADD COLUMN alternatives TEXT NOT NULL DEFAULT '';
