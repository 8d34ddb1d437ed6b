"""Parking: plate formats, vehicles, lists, permits, tariffs, sessions, payments, gates."""
