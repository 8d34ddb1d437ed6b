"""People from the command line, against a running server: enrolment with badges and
consented faces (the server's gallery picks it up), refusals that store nothing, and a
subject export that carries the person's opened record."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from sitewarden.accounts.roles import Role
from sitewarden.demo import face_samples
from sitewarden.events.device_kinds import DeviceKind
from tests.conftest import LiveServer
from tests.test_access_decisions import events_of
from tests.test_access_faces import FaceSite, jpeg_frame
from tests.test_cli import sitewarden

pytestmark = pytest.mark.slow


def portrait_file(folder: Path, name: str, **augment: Any) -> Path:
    face = face_samples.augment(face_samples.portrait(name), face_samples.Augmentation(**augment))
    path = folder / f"{name}-{len(augment)}.jpg"
    path.write_bytes(face_samples.encode(face))
    return path


def people_of(site: FaceSite) -> list[dict[str, Any]]:
    answer = site.admin("GET", "/people")
    assert answer.status_code == 200, answer.text
    return list(answer.json())


def enrol(server: LiveServer, site: str, *args: str) -> Any:
    return sitewarden("people", "enrol", site, *args, data_dir=server.settings.data_dir)


def test_cli_enrolment_is_decided_on_by_the_running_server(
    live_server: LiveServer, tmp_path: Path
) -> None:
    site = FaceSite(live_server, "cli-people")
    site.rule("staff", "staff")
    hopper = portrait_file(tmp_path, "hopper")
    lighter = portrait_file(tmp_path, "hopper", light=0.7)
    result = enrol(
        live_server,
        "cli-people",
        "--name", "Grace Hopper",
        "--group", "staff",
        "--national-id", "11010519491231002X",
        "--badge", "CLI-7",
        "--face", str(hopper),
        "--face", str(lighter),
        "--consent", "written",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "2 face template(s)" in result.stdout and "1 badge(s)" in result.stdout
    [person] = people_of(site)
    assert person["face_templates"] == 2 and person["badges"] == 1
    assert site.face(jpeg_frame("hopper"))["granted"] is True  # gallery reloaded
    assert site.badge("cli-7").json()["granted"] is True
    assert site.face(jpeg_frame("astronaut"))["reason"] == "not_enrolled"

    listed = sitewarden("people", "list", "cli-people", data_dir=live_server.settings.data_dir)
    assert listed.returncode == 0 and "Grace Hopper" not in listed.stdout
    assert "Names hidden" in listed.stdout
    named = sitewarden(
        "people", "list", "cli-people", "--purpose", "roster check",
        data_dir=live_server.settings.data_dir,
    )  # fmt: skip
    assert named.returncode == 0 and "Grace Hopper" in named.stdout
    with live_server.client(Role.AUDITOR) as auditor:
        entries = auditor.get("/api/v1/audit", params={"limit": 1000}).json()["entries"]
    [read] = [e for e in entries if e["action"] == "access.people.read"]
    assert read["purpose"] == "roster check" and read["actor"].startswith("cli:")
    assert read["targets"] == [f"p-{person['person_id']}"]


def test_cli_refusals_leave_nothing_behind(live_server: LiveServer, tmp_path: Path) -> None:
    site = FaceSite(live_server, "cli-refuse")
    hopper = portrait_file(tmp_path, "hopper")
    no_consent = enrol(
        live_server, "cli-refuse", "--name", "A", "--group", "staff", "--face", str(hopper)
    )
    assert no_consent.returncode == 1 and "consent" in no_consent.stderr
    not_an_image = tmp_path / "notes.jpg"
    not_an_image.write_text("hello")
    bad_photo = enrol(
        live_server, "cli-refuse", "--name", "B", "--group", "staff",
        "--face", str(not_an_image), "--consent", "written",
    )  # fmt: skip
    assert bad_photo.returncode == 1 and "not a JPEG image" in bad_photo.stderr
    blank = tmp_path / "blank.png"
    face_samples.in_frame(face_samples.portrait("hopper"), (640, 480), face_height=40).save(blank)
    no_face = enrol(
        live_server, "cli-refuse", "--name", "C", "--group", "staff",
        "--face", str(blank), "--consent", "written",
    )  # fmt: skip
    assert no_face.returncode == 1 and "photo 1" in no_face.stderr
    bad_group = enrol(live_server, "cli-refuse", "--name", "D", "--group", "boss")
    assert bad_group.returncode == 1 and "unknown group" in bad_group.stderr
    unknown_site = enrol(live_server, "nowhere", "--name", "E", "--group", "staff")
    assert unknown_site.returncode == 1 and "not found" in unknown_site.stderr
    assert people_of(site) == []

    first = enrol(live_server, "cli-refuse", "--name", "F", "--group", "staff", "--badge", "X-1")
    assert first.returncode == 0, first.stderr
    again = enrol(live_server, "cli-refuse", "--name", "G", "--group", "staff", "--badge", "x-1")
    assert again.returncode == 1 and "already enrolled" in again.stderr
    assert len(people_of(site)) == 1


def test_subject_export_carries_the_enrolled_persons_record(live_server: LiveServer) -> None:
    site = FaceSite(live_server, "cli-export")
    site.rule("residents", "resident")
    person = site.person(
        "Lin Wei", national_id="330106199001011234", phone="13900001111", badges=["EXP-1"]
    )
    site.consent(person["person_id"])
    assert site.badge("EXP-1").json()["granted"] is True
    for field, value in (("badge_id", "exp-1"), ("national_id", "330106199001011234")):
        with live_server.client() as admin:
            answer = admin.post(
                "/api/v1/subjects/export",
                json={"site": "cli-export", "field": field, "value": value, "purpose": "DSAR-1"},
            )
        assert answer.status_code == 200, answer.text
        # The person's record, whichever identifier asked: its badge and ID number are
        # subjects of their own, linked to the person (an access event carries both).
        subjects = answer.json()["subjects"]
        [subject] = [s for s in subjects if s.get("person")]
        assert {s["subject_id"] for s in subjects} >= {person["subject_id"]}
        record = subject["person"]
        assert record["name"] == "Lin Wei" and record["phone"] == "13900001111"
        assert record["national_id"] == "330106199001011234"
        assert [b["value"] for b in record["badges"]] == ["EXP-1"]
        assert [c["purpose"] for c in subject["consents"]] == ["access"]
        assert len(answer.json()["events"]) == 1
    [granted] = events_of(live_server, "cli-export", "access.granted")
    assert granted["attributes"]["person_ref"] == person["person_id"]
    with live_server.client() as admin:
        missing = admin.post(
            "/api/v1/subjects/export",
            json={"site": "cli-export", "field": "badge_id", "value": "NOPE", "purpose": "DSAR-2"},
        )
    assert missing.status_code == 404


def test_cli_subject_export_writes_the_record(live_server: LiveServer, tmp_path: Path) -> None:
    site = FaceSite(live_server, "cli-export2")
    person = site.person("Zhao Min", badges=["EXP-2"])
    output = tmp_path / "export.json"
    result = sitewarden(
        "subject", "export", "cli-export2", "--badge", "EXP-2", "--purpose", "DSAR-3",
        "--output", str(output), data_dir=live_server.settings.data_dir,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    exported = json.loads(output.read_text())
    [subject] = exported["subjects"]
    assert subject["subject_id"] == f"p-{person['person_id']}"
    assert subject["person"]["name"] == "Zhao Min" and subject["vehicle"] is None


def test_subject_export_of_a_vehicle_carries_its_registration_and_permits(
    live_server: LiveServer,
) -> None:
    live_server.add_site_with_device("veh-export", "gw", DeviceKind.GATEWAY)
    base = "/api/v1/parking/sites/veh-export"
    with live_server.client() as admin:
        registered = admin.post(
            base + "/vehicles", json={"plate": "浙A·12345", "owner_ref": "flat-12"}
        )
        assert registered.status_code == 201, registered.text
        permit = admin.post(
            base + "/permits",
            json={
                "plate": "浙A12345",
                "kind": "resident",
                "valid_from": "2026-11-01T00:00:00+08:00",
                "valid_until": "2026-12-01T00:00:00+08:00",
            },
        )
        assert permit.status_code == 201, permit.text
        answer = admin.post(
            "/api/v1/subjects/export",
            json={"site": "veh-export", "field": "plate", "value": "浙A 12345", "purpose": "D-4"},
        )
    assert answer.status_code == 200, answer.text
    [subject] = answer.json()["subjects"]
    assert subject["person"] is None and subject["kind"] == "vehicle"
    vehicle = subject["vehicle"]
    assert vehicle["registered"]["owner_ref"] == "flat-12"
    assert [p["kind"] for p in vehicle["permits"]] == ["resident"]
    assert vehicle["permits"][0]["valid_until"].startswith("2026-11-30T16:00:00")
