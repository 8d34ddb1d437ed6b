"""Alerts: declarative rules over events, the alert lifecycle, device health, notifiers."""
