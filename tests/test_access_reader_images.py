"""Reader images kept for disputes: off by default; when a site turns it on, kept
sealed as sent, opened only by admins with a purpose (audited), shredded with the
person, and deleted when their date passes."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from sitewarden.accounts.roles import Role
from sitewarden.privacy.retention import run_retention
from sitewarden.runtime.storage import open_storage
from tests.conftest import LiveServer, raw_sql
from tests.test_access_faces import FaceSite, jpeg_frame, photo

pytestmark = [pytest.mark.slow, pytest.mark.both_backends]


def enrolled_site(server: LiveServer, site_id: str) -> tuple[FaceSite, str]:
    site = FaceSite(server, site_id)
    site.rule("residents", "resident")
    person = site.person("Grace Hopper")
    site.consent(person["person_id"])
    assert site.enrol(person["person_id"], [photo("hopper")]).status_code == 201
    return site, str(person["person_id"])


def kept_rows(server: LiveServer) -> list[tuple[str, str | None]]:
    return [
        (str(event_id), person_id)
        for event_id, person_id in raw_sql(
            server.settings, "SELECT event_id, person_id FROM access_reader_images"
        )
    ]


def test_by_default_no_reader_image_is_kept(live_server: LiveServer) -> None:
    site, _ = enrolled_site(live_server, "ri-off")
    assert site.face(jpeg_frame("hopper"))["granted"] is True
    assert kept_rows(live_server) == []


def test_kept_images_are_sealed_opened_with_a_purpose_and_shredded_with_the_person(
    configured_server: Callable[[str], LiveServer],
) -> None:
    server = configured_server("reader_image_days = 7")
    site, person_id = enrolled_site(server, "ri-on")
    frame = jpeg_frame("hopper")
    granted = site.face(frame)
    stranger = site.face(jpeg_frame("astronaut"))
    assert granted["granted"] is True and stranger["reason"] == "not_enrolled"
    assert sorted(kept_rows(server)) == sorted(
        [(granted["event_id"], person_id), (stranger["event_id"], None)]
    )
    [(sealed,)] = raw_sql(
        server.settings,
        "SELECT sealed_image FROM access_reader_images WHERE event_id = ?",
        (granted["event_id"],),
    )
    assert bytes(sealed) != frame and frame[:64] not in bytes(sealed)

    path = f"/reader-images/{granted['event_id']}"
    assert site.admin("GET", path).status_code == 422  # no purpose
    with server.client(Role.OPERATOR) as operator:
        refused = operator.get(
            f"/api/v1/access/sites/ri-on{path}", params={"purpose": "dispute 12"}
        )
    assert refused.status_code == 403
    opened = site.admin("GET", path, params={"purpose": "dispute 12"})
    assert opened.status_code == 200 and opened.content == frame
    assert opened.headers["content-type"] == "image/jpeg"
    with server.client(Role.AUDITOR) as auditor:
        entries = auditor.get("/api/v1/audit", params={"limit": 1000}).json()["entries"]
    [read] = [e for e in entries if e["action"] == "reader_image.read"]
    assert read["purpose"] == "dispute 12" and read["targets"] == [f"p-{person_id}"]

    erased = site.admin("DELETE", f"/people/{person_id}", params={"purpose": "DSAR-5"})
    assert erased.status_code == 204
    assert kept_rows(server) == [(stranger["event_id"], None)]
    gone = site.admin("GET", path, params={"purpose": "dispute 12"})
    assert gone.status_code == 404


def test_kept_images_expire_with_retention(
    configured_server: Callable[[str], LiveServer],
) -> None:
    server = configured_server("reader_image_days = 1")
    site, _ = enrolled_site(server, "ri-exp")
    event_id = site.face(jpeg_frame("hopper"))["event_id"]
    store = open_storage(server.settings)
    try:
        now = datetime.now(UTC)
        assert (
            run_retention(store.events, store.access_media, {}, now=now).deleted.get(
                "reader_images"
            )
            is None
        )
        later = run_retention(
            store.events, store.access_media, {}, now=now + timedelta(days=1, minutes=1)
        )
    finally:
        store.close()
    assert later.deleted["reader_images"] == 1
    assert kept_rows(server) == []
    gone = site.admin("GET", f"/reader-images/{event_id}", params={"purpose": "dispute 13"})
    assert gone.status_code == 404
