"""Fields sitewarden refuses to take, whatever the event kind.

This is a product decision, not a missing feature: sitewarden never stores
sensitive traits, looks scores, raw phone or network identifiers, or outside
watchlist matches. Ingest names the field and says why.
"""

from __future__ import annotations

from typing import Any

_SENSITIVE = "it is a sensitive trait that sitewarden never infers or stores"
_LOOKS = "sitewarden never scores looks"
_RAW_ID = (
    "sitewarden never keeps raw MAC, IMSI or IMEI numbers; have the counter hash them "
    "with the shared daily salt and send them as wifi.presence hashed_ids"
)
_WATCHLIST = "sitewarden takes no outside watchlists"

REFUSED_FIELDS: dict[str, str] = {
    **dict.fromkeys(
        (
            "ethnicity",
            "ethnic_group",
            "race",
            "religion",
            "religious_belief",
            "skin_colour",
            "skin_color",
            "sexuality",
            "sexual_orientation",
            "politics",
            "political_opinion",
            "health",
            "health_condition",
            "disability",
        ),
        _SENSITIVE,
    ),
    **dict.fromkeys(
        ("attractiveness", "attractiveness_score", "beauty", "beauty_score", "looks_score"),
        _LOOKS,
    ),
    **dict.fromkeys(("mac", "mac_address", "raw_mac", "imsi", "imei", "msisdn_raw"), _RAW_ID),
    **dict.fromkeys(("watchlist", "watchlist_match", "watchlist_hit"), _WATCHLIST),
}


def _normalise(name: str) -> str:
    return name.strip().lower().replace("-", "_").replace(" ", "_")


def find_refused_field(payload: Any, path: str = "") -> tuple[str, str] | None:
    """Return ``(dotted path, reason)`` of the first refused field in ``payload``, if any."""
    if isinstance(payload, dict):
        for key, value in payload.items():
            where = f"{path}.{key}" if path else str(key)
            reason = REFUSED_FIELDS.get(_normalise(str(key)))
            if reason is not None:
                return where, reason
            if isinstance(value, dict | list):
                found = find_refused_field(value, where)
                if found is not None:
                    return found
    elif isinstance(payload, list):
        for index, item in enumerate(payload):
            if isinstance(item, dict | list):
                found = find_refused_field(item, f"{path}[{index}]")
                if found is not None:
                    return found
    return None


def refusal_message(field: str, reason: str) -> str:
    return f"field '{field}' refused: {reason}; remove it from the event"
