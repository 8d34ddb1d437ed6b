"""Sites, zones and devices, and the credentials devices post with."""
