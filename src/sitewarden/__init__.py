"""sitewarden: security and operations for smart sites, private by design."""

__version__ = "0.1.0"
