"""The event model: kinds, ids, validation."""
