"""Records of processing activities (GDPR Art. 30, PIPL Art. 54-55), generated from the
live configuration: per site, the categories of personal data and the fields in each,
why they are processed, how long each is kept, who receives data (webhooks, the MQTT
broker), and where the keys that protect it live. Rendered as JSON for the console and
as Markdown for an inspector.

It is built here, in the runtime layer, because it reads every feature's configuration
(the registry, the webhooks, the settings, the key ring) and none of them may import
the others.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from sitewarden.alerts.webhook_records import Webhook
from sitewarden.config import Settings
from sitewarden.database_url import redact
from sitewarden.privacy.consent import PURPOSES
from sitewarden.privacy.keyfiles import KEY_NAMES, key_file
from sitewarden.privacy.keyring import KEY_ENVIRONMENT
from sitewarden.registry.records import Site

# Personal fields of each category (all sealed under the person's data key) and the
# purpose the category serves. Categories without personal fields are listed too, so the
# record shows the whole schedule.
CATEGORY_FIELDS: dict[str, tuple[str, ...]] = {
    "access_events": ("person_name", "national_id", "phone", "badge_id"),
    "plate_reads": ("plate",),
    "face_crops": ("face_crop", "snapshot"),
    "occupancy_raw": ("hashed device identifier (salt rotates daily)",),
    "operations": (),
    "heartbeats": (),
}
CATEGORY_PURPOSE: dict[str, str] = {
    "access_events": "access",
    "plate_reads": "parking",
    "face_crops": "security",
    "occupancy_raw": "occupancy",
    "operations": "security",
    "heartbeats": "operations",
}
# Records kept while the person or vehicle is enrolled, not on the event schedule.
ENROLMENT_RECORDS: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("enrolled_people", ("person_name", "national_id", "phone", "badges", "face templates"),
     "access"),
    ("vehicles", ("plate", "permits", "parking sessions"), "parking"),
    ("consents", ("purpose", "method", "evidence", "expiry"), "consent"),
)  # fmt: skip


@dataclass(frozen=True)
class DataCategory:
    category: str
    fields: tuple[str, ...]
    purpose: str
    retention_days: float | None  # None: while enrolled; 0: forever


@dataclass(frozen=True)
class Recipient:
    kind: str  # "webhook" or "mqtt"
    target: str  # the receiving host (no path, query or credentials)
    reach: str  # "this site" or "every site"
    detail: str


@dataclass(frozen=True)
class KeyPlace:
    key: str  # kek, index, audit, data keys
    where: str


@dataclass(frozen=True)
class ProcessingRecord:
    site_id: str
    site_name: str
    timezone: str
    categories: tuple[DataCategory, ...]
    purposes: tuple[str, ...]
    recipients: tuple[Recipient, ...]
    keys: tuple[KeyPlace, ...]
    storage: str


def _host(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname}" + (f":{parts.port}" if parts.port else "")


def key_places(settings: Settings) -> tuple[KeyPlace, ...]:
    """Where each key is read from: its environment variable where set, else its file."""
    places = []
    for name in KEY_NAMES:
        variable = KEY_ENVIRONMENT[name]
        where = (
            f"environment variable {variable}"
            if os.environ.get(variable)
            else f"file {key_file(settings.key_path, name)}"
        )
        places.append(KeyPlace(name, where))
    places.append(
        KeyPlace("data keys", "database table data_keys, one per person, wrapped under the kek")
    )
    return tuple(places)


def processing_record(settings: Settings, site: Site, webhooks: list[Webhook]) -> ProcessingRecord:
    schedule = settings.retention_days
    categories = [
        DataCategory(category, CATEGORY_FIELDS.get(category, ()),
                     CATEGORY_PURPOSE.get(category, "security"), days)
        for category, days in schedule.items()
    ]  # fmt: skip
    if settings.reader_image_days > 0:
        categories.append(
            DataCategory("reader_images", ("face image",), "disputes", settings.reader_image_days)
        )
    categories.append(
        DataCategory(
            "review_frames",
            ("gate frame", "plate"),
            CATEGORY_PURPOSE["plate_reads"],  # parking: the review decides at the gate
            schedule.get("plate_reads", 0),  # at most; deleted when the review is resolved
        )
    )
    categories.append(
        DataCategory(
            "lane_frames",
            ("gate frame", "plate"),
            CATEGORY_PURPOSE["plate_reads"],  # parking: each lane's last frame, for the guard
            schedule.get("plate_reads", 0),  # at most; replaced by the lane's next frame
        )
    )
    categories += [
        DataCategory(name, fields, purpose, None) for name, fields, purpose in ENROLMENT_RECORDS
    ]
    if settings.face_learning:  # templates learned at readers (access/face_learning.py)
        categories.append(
            DataCategory(
                "learned_faces", ("face templates from reader frames",), "face_learning", None
            )
        )
    recipients = [
        Recipient(
            "webhook",
            _host(hook.url),
            "every site" if hook.site_id is None else "this site",
            f"alerts of severity {hook.min_severity} or worse"
            + ("" if hook.enabled else " (disabled)"),
        )
        for hook in webhooks
        if hook.site_id in (None, site.site_id)
    ]
    if settings.mqtt_url:
        recipients.append(
            Recipient("mqtt", _host(settings.mqtt_url), "every site", "alert changes and events")
        )
    target = settings.database
    storage = (
        f"SQLite file {target.sqlite_path}"
        if target.backend == "sqlite"
        else f"PostgreSQL {redact(target.postgres_url or '')}"
    )
    return ProcessingRecord(
        site.site_id,
        site.name,
        site.timezone,
        tuple(categories),
        tuple(sorted({*PURPOSES, *CATEGORY_PURPOSE.values()})),
        tuple(recipients),
        key_places(settings),
        storage,
    )


def _days(days: float | None) -> str:
    if days is None:
        return "while enrolled; erased with the person"
    return "forever" if days <= 0 else f"{days:g} days"


def records_markdown(records: list[ProcessingRecord], generated_at: datetime) -> str:
    """The records as one Markdown document, a section per site."""
    lines = [
        "# Records of processing activities",
        "",
        f"Generated by sitewarden from the live configuration at {generated_at.isoformat()}.",
        "",
    ]
    for record in records:
        lines += [
            f"## {record.site_name} (`{record.site_id}`)",
            "",
            f"Time zone: {record.timezone}. Stored in: {record.storage}.",
            "",
            "### Categories of data and retention",
            "",
            "| category | personal fields | purpose | kept for |",
            "| --- | --- | --- | --- |",
        ]
        lines += [
            f"| {c.category} | {', '.join(c.fields) or 'none'} | {c.purpose} | "
            f"{_days(c.retention_days)} |"
            for c in record.categories
        ]
        lines += ["", "### Purposes", "", *[f"- {p}" for p in record.purposes], ""]
        lines += ["### Recipients", ""]
        lines += [f"- {r.kind}: {r.target} ({r.reach}): {r.detail}" for r in record.recipients] or [
            "- none: no data leaves the deployment"
        ]
        lines += ["", "### Where the keys live", ""]
        lines += [f"- {k.key}: {k.where}" for k in record.keys]
        lines.append("")
    return "\n".join(lines)
