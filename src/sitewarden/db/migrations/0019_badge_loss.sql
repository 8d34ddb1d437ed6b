-- People in the console (issue 20):
--
-- * A badge reported lost is revoked like any other, but the reason stays with it, so
--   the person's page (and a guard asked about it) can say "lost" rather than only
--   "revoked". NULL for badges revoked before this version and for active ones.
ALTER TABLE access_badges ADD COLUMN revoked_reason TEXT;
