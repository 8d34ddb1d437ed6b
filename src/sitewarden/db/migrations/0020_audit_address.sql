-- Where each audited request came from (the client's address, as uvicorn saw it: behind
-- a trusted proxy, the address the proxy forwarded). Entries written before stay NULL,
-- and their MAC is computed as before (privacy/audit.py adds the address to an entry's
-- bytes only where there is one), so existing chains still verify.
ALTER TABLE audit_log ADD COLUMN address TEXT;
