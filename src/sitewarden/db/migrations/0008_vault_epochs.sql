-- Bumped in the same transaction as a subject's erasure (its data key deleted), so that
-- every process that caches the site's keys (other nodes, a server while the CLI erases)
-- drops them before it seals again, rather than seal under a key that no longer exists.
CREATE TABLE vault_epochs (
    site_id  TEXT PRIMARY KEY,
    epoch    {bigint} NOT NULL
);
