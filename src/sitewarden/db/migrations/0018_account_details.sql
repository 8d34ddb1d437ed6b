-- Accounts in the console (issue 21).
-- An API key may end by itself: after expires_at (NULL: never) it is refused like a
-- revoked one.
ALTER TABLE api_keys ADD COLUMN expires_at {bigint};
-- Where a cookie session was opened from, so that its owner can tell their own sessions
-- from someone else's on the account page: the client address and the browser's
-- User-Agent (cut to 300 characters). Sessions opened before this have neither.
ALTER TABLE web_sessions ADD COLUMN client_address TEXT;
ALTER TABLE web_sessions ADD COLUMN user_agent TEXT;
