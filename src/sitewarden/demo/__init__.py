"""The demo: Riverside Gardens, a residential community with simulated devices.

``site`` is the plan and builds it through the registry; ``people`` makes up the
residents and their vehicles; ``simulator`` posts their traffic through the real
ingest API; ``runner`` is ``sitewarden demo``.
"""
