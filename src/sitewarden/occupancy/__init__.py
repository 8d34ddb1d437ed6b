"""Occupancy: people counts per zone, and unique Wi-Fi devices without identifiers."""
