"""The MQTT topic tree, in one place: devices, nodes and the broker ACL all use it.

```
sitewarden/<site>/<device>/events     a device publishes events (one JSON event or an array)
sitewarden/<site>/<device>/errors     sitewarden answers with the events it rejected
sitewarden/<site>/<device>/commands   sitewarden tells the device what to do (open, deny)
sitewarden/<site>/alerts              sitewarden publishes alert changes
```
"""

from __future__ import annotations

ROOT = "sitewarden"
SHARE_GROUP = "sitewarden"
EVENTS_FILTER = f"{ROOT}/+/+/events"


def device_prefix(site_id: str, device_id: str) -> str:
    return f"{ROOT}/{site_id}/{device_id}"


def events_topic(site_id: str, device_id: str) -> str:
    return f"{device_prefix(site_id, device_id)}/events"


def errors_topic(site_id: str, device_id: str) -> str:
    return f"{device_prefix(site_id, device_id)}/errors"


def commands_topic(site_id: str, device_id: str) -> str:
    return f"{device_prefix(site_id, device_id)}/commands"


def alerts_topic(site_id: str) -> str:
    return f"{ROOT}/{site_id}/alerts"


def shared(topic_filter: str) -> str:
    """An MQTT 5 shared subscription: the nodes of the group split the messages."""
    return f"$share/{SHARE_GROUP}/{topic_filter}"


def device_of_events_topic(topic: str) -> tuple[str, str] | None:
    """``(site, device)`` of ``sitewarden/<site>/<device>/events``, else None."""
    parts = topic.split("/")
    if len(parts) != 4 or parts[0] != ROOT or parts[3] != "events":
        return None
    return parts[1], parts[2]


def device_username(site_id: str, device_id: str) -> str:
    """A device's broker user name; ``/`` cannot occur in ids, so it is unambiguous."""
    return f"{site_id}/{device_id}"
