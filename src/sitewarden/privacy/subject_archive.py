"""An access request's answer as one ZIP file: ``export.json`` (everything, opened),
``events.csv`` (the events as a table a spreadsheet opens) and ``images/`` (the
person's own face crops and snapshots as image files, each named by its event).

Images are taken out of the JSON and CSV and referred to by file name, so the JSON
stays readable and every image opens with an ordinary viewer.
"""

from __future__ import annotations

import base64
import binascii
import csv
import io
import zipfile
from typing import Any

import orjson

from sitewarden.privacy.personal_part import MEDIA_FIELDS

CSV_COLUMNS = ("id", "kind", "occurred_at", "zone_id", "device_id", "attributes", "personal")


def image_suffix(data: bytes) -> str:
    if data.startswith(b"\xff\xd8"):
        return "jpg"
    if data.startswith(b"\x89PNG"):
        return "png"
    return "bin"


def _take_images(event: dict[str, Any], images: dict[str, bytes]) -> dict[str, Any]:
    """The event's personal fields with each image replaced by its file's name."""
    personal = dict(event.get("personal") or {})
    for name in sorted(MEDIA_FIELDS & personal.keys()):
        try:
            data = base64.b64decode(str(personal[name]), validate=True)
        except (binascii.Error, ValueError):
            data = str(personal[name]).encode()
        path = f"images/{event['id']}-{name}.{image_suffix(data)}"
        images[path] = data
        personal[name] = path
    return personal


def build_archive(export: dict[str, Any]) -> bytes:
    """The ZIP of one subject export (as ``export_subject`` returns it)."""
    images: dict[str, bytes] = {}
    events = [{**event, "personal": _take_images(event, images)} for event in export["events"]]
    table = io.StringIO()
    writer = csv.writer(table)
    writer.writerow(CSV_COLUMNS)
    for event in events:
        writer.writerow(
            [
                event["id"],
                event["kind"],
                event["occurred_at"],
                event["zone_id"] or "",
                event["device_id"],
                orjson.dumps(event["attributes"]).decode(),
                orjson.dumps(event["personal"]).decode(),
            ]
        )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "export.json", orjson.dumps({**export, "events": events}, option=orjson.OPT_INDENT_2)
        )
        archive.writestr("events.csv", table.getvalue())
        for path, data in sorted(images.items()):
            archive.writestr(path, data)
    return buffer.getvalue()
