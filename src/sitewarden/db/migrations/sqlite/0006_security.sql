-- Second factors, lock-out after failed sign-ins, API key scopes.
ALTER TABLE users ADD COLUMN totp_secret BLOB;        -- sealed under a key derived from the KEK
ALTER TABLE users ADD COLUMN totp_enabled INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN failed_logins INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN locked_until INTEGER;
ALTER TABLE api_keys ADD COLUMN scopes TEXT;          -- JSON list of permissions; NULL: the role's
ALTER TABLE web_sessions ADD COLUMN second_factor INTEGER NOT NULL DEFAULT 0;
