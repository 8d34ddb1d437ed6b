-- Second factors, lock-out after failed sign-ins, API key scopes.
ALTER TABLE users ADD COLUMN totp_secret {bytes};        -- sealed under a key derived from the KEK
ALTER TABLE users ADD COLUMN totp_enabled {bigint} NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN failed_logins {bigint} NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN locked_until {bigint};
ALTER TABLE api_keys ADD COLUMN scopes TEXT;          -- JSON list of permissions; NULL: the role's
ALTER TABLE web_sessions ADD COLUMN second_factor {bigint} NOT NULL DEFAULT 0;
