"""The access API's additions for the console's person page, against a real server: the
face library lists templates' dates and never a vector, a badge reported lost is revoked
with that reason kept and audited, and a consent given until a date stops counting after
it (enrolment refused), with bad input refused and nothing stored."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from sitewarden.accounts.roles import Role
from tests.conftest import LiveServer
from tests.test_access_faces import FaceSite, photo

pytestmark = pytest.mark.slow


def test_the_face_library_lists_dates_and_sources_only_and_needs_access_read(
    shared_server: LiveServer,
) -> None:
    site = FaceSite(shared_server, "px-faces")
    person = site.person("Grace Hopper")
    site.consent(person["person_id"])
    assert site.enrol(person["person_id"], [photo("hopper")]).status_code == 201
    answer = site.admin("GET", f"/people/{person['person_id']}/faces")
    assert answer.status_code == 200
    [template] = answer.json()
    assert set(template) == {"created_at", "source"}  # never the vector
    assert template["source"] == "enrolment"
    assert datetime.fromisoformat(template["created_at"]) > datetime.now(UTC) - timedelta(hours=1)
    with shared_server.client(Role.VIEWER) as viewer:
        path = f"/api/v1/access/sites/px-faces/people/{person['person_id']}/faces"
        assert viewer.get(path).status_code == 403
    assert site.admin("GET", "/people/nobody/faces").status_code == 404


def test_a_badge_reported_lost_is_revoked_with_the_reason_kept_and_audited(
    shared_server: LiveServer,
) -> None:
    site = FaceSite(shared_server, "px-lost")
    person = site.person("Wang Fang", badges=["LOST-1"])
    [badge] = site.admin("GET", f"/people/{person['person_id']}/badges").json()
    ref = badge["badge_ref"]
    with shared_server.client(Role.OPERATOR) as operator:
        assert operator.post(f"/api/v1/access/sites/px-lost/badges/{ref}/lost").status_code == 403
    assert site.admin("POST", f"/badges/{ref}/lost").status_code == 204
    [lost] = site.admin("GET", f"/people/{person['person_id']}/badges").json()
    assert lost["revoked_reason"] == "lost" and lost["revoked_at"] is not None
    assert site.admin("POST", f"/badges/{ref}/lost").status_code == 404  # revoked already
    assert site.admin("POST", "/badges/b-nothing/lost").status_code == 404
    assert site.badge("LOST-1").json()["reason"] == "revoked"
    entries = [e for e in shared_server.audit_entries() if e["action"] == "access.badge.lost"]
    assert [e["targets"] for e in entries if e["site_id"] == "px-lost"] == [
        [ref, person["subject_id"]]
    ]
    site.admin("POST", f"/people/{person['person_id']}/badges", json={"badge_id": "LOST-2"})
    [_, other] = site.admin("GET", f"/people/{person['person_id']}/badges").json()
    assert site.admin("POST", f"/badges/{other['badge_ref']}/revoke").status_code == 204
    revoked = site.admin("GET", f"/people/{person['person_id']}/badges").json()[1]
    assert revoked["revoked_reason"] == "revoked"


def test_a_consent_until_a_date_stops_counting_after_it(shared_server: LiveServer) -> None:
    site = FaceSite(shared_server, "px-until")
    person = site.person("Ada Lovelace")
    subject = person["subject_id"]
    base = "/api/v1/sites/px-until/consents"
    now = datetime.now(UTC)
    with shared_server.client() as admin:
        backwards = admin.post(
            base,
            json={
                "subject_id": subject,
                "purpose": "access",
                "method": "written",
                "given_at": now.isoformat(),
                "expires_at": (now - timedelta(days=1)).isoformat(),
            },
        )
        assert backwards.status_code == 422 and "expires_at" in backwards.json()["message"]
        assert admin.get(base, params={"subject_id": subject}).json() == []
        lapsed = admin.post(
            base,
            json={
                "subject_id": subject,
                "purpose": "access",
                "method": "written",
                "given_at": (now - timedelta(days=30)).isoformat(),
                "expires_at": (now - timedelta(days=1)).isoformat(),
            },
        )
        assert lapsed.status_code == 201 and lapsed.json()["expires_at"] is not None
    refused = site.enrol(person["person_id"], [photo("hopper")])
    assert refused.status_code == 403 and "consent" in refused.json()["message"]
    with shared_server.client() as admin:
        later = (now + timedelta(days=365)).isoformat()
        current = admin.post(
            base,
            json={
                "subject_id": subject,
                "purpose": "access",
                "method": "written",
                "expires_at": later,
            },
        )
        assert current.status_code == 201
    assert site.enrol(person["person_id"], [photo("hopper")]).status_code == 201
