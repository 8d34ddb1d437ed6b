"""Who is calling: operators (passwords, sessions, API keys), devices (tokens), roles."""
