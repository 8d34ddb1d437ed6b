-- Sign-in hardening (issue 17).
-- The last 30-second TOTP step a code was accepted for: an older or equal step is refused,
-- so one code cannot open two sessions.
ALTER TABLE users ADD COLUMN totp_last_step {bigint};
-- An enrolment not confirmed yet, sealed like totp_secret: starting one no longer
-- replaces (and so switches off) the second factor in use.
ALTER TABLE users ADD COLUMN totp_pending {bytes};
UPDATE users SET totp_pending = totp_secret, totp_secret = NULL
    WHERE totp_enabled = 0 AND totp_secret IS NOT NULL;
-- Disabling an account now revokes its API keys; those of accounts disabled before
-- are revoked here, so that re-enabling one does not revive them.
UPDATE api_keys SET revoked_at = {now_us}
    WHERE revoked_at IS NULL AND user_id IN (SELECT user_id FROM users WHERE disabled = 1);
