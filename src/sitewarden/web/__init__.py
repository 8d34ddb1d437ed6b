"""Web pages: server-rendered templates and our own static files (no CDN)."""
