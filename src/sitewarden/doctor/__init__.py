"""``sitewarden doctor``: a self-audit of a deployment, and exposure probes."""
