"""Personal fields over the API: sealed at rest, opened only with a purpose, by role,
masked for operators, looked up by blind index, audited; subject export and erasure."""

from __future__ import annotations

from itertools import count

import httpx
import pytest

from sitewarden.accounts.roles import Role
from sitewarden.events.device_kinds import DeviceKind
from tests.conftest import LiveServer, device_client, raw_sql

pytestmark = pytest.mark.both_backends

_sites = count()
PLATE = "浙A·12345"
PERSON = {
    "person_name": "Zhang Min",
    "national_id": "11010519491231002X",
    "phone": "13812345678",
    "badge_id": "B-7788",
}


@pytest.fixture
def garage(shared_server: LiveServer) -> tuple[str, list[str]]:
    """A site where a gateway posted plate reads and an access event; returns ids."""
    site = f"privacy{next(_sites)}"
    token = shared_server.add_site_with_device(site, "gw", DeviceKind.GATEWAY)
    events = [
        {"kind": "plate.read", "attributes": {"confidence": 0.98}, "personal": {"plate": PLATE}},
        {
            "kind": "plate.read",
            "attributes": {"confidence": 0.91},
            "personal": {"plate": "浙A12345"},
        },
        {
            "kind": "plate.read",
            "attributes": {"confidence": 0.93},
            "personal": {"plate": "粤B·D12345"},
        },
        {"kind": "access.granted", "attributes": {"credential": "badge"}, "personal": PERSON},
        {"kind": "alarm.smoke"},
    ]
    with device_client(shared_server, token) as device:
        ids = device.post("/api/v1/events", json=events).json()["accepted"]
    return site, ids


def audit_entries(server: LiveServer) -> list[dict[str, object]]:
    with server.client(Role.AUDITOR) as auditor:
        entries: list[dict[str, object]] = []
        after = 0
        while True:
            page = auditor.get("/api/v1/audit", params={"after": after, "limit": 1000}).json()
            entries.extend(page["entries"])
            if page["next_after"] is None:
                return entries
            after = page["next_after"]


def test_personal_fields_are_not_in_the_database_file(
    shared_server: LiveServer, garage: tuple[str, list[str]]
) -> None:
    raw = shared_server.database_bytes()
    for secret in (
        "浙A12345",
        "浙A·12345",
        "Zhang Min",
        PERSON["national_id"],
        PERSON["phone"],
        "B-7788",
    ):
        assert secret.encode() not in raw, secret


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        (Role.ADMIN, "full"),
        (Role.PRIVACY_OFFICER, "full"),
        (Role.OPERATOR, "masked"),
        (Role.AUDITOR, "none"),
        (Role.VIEWER, "none"),
    ],
)
def test_each_role_sees_what_it_may_with_a_purpose(
    shared_server: LiveServer, garage: tuple[str, list[str]], role: Role, expected: str
) -> None:
    site, ids = garage
    with shared_server.client(role) as client:
        plate = client.get(f"/api/v1/events/{ids[0]}", params={"purpose": "incident 42"}).json()
        person = client.get(f"/api/v1/events/{ids[3]}", params={"purpose": "incident 42"}).json()
        listed = client.get(
            "/api/v1/events", params={"site": site, "purpose": "incident 42"}
        ).json()
    assert plate["disclosure"] == expected and person["disclosure"] == expected
    assert plate["personal_state"] == "sealed"
    if expected == "full":
        assert plate["personal"] == {"plate": PLATE}
        assert person["personal"] == PERSON
    elif expected == "masked":
        assert plate["personal"] == {"plate": "浙A·***"}
        assert person["personal"]["person_name"] == "Z**** M**"
        assert PERSON["national_id"] not in str(person) and PERSON["phone"] not in str(person)
        assert person["personal"]["phone"] == "***"
    else:
        assert plate["personal"] is None and person["personal"] is None
    by_id = {e["id"]: e for e in listed["events"]}
    assert by_id[ids[4]]["personal_state"] == "none"
    assert (by_id[ids[0]]["personal"] is not None) == (expected != "none")


def test_without_a_purpose_nothing_is_opened_or_audited(
    shared_server: LiveServer, garage: tuple[str, list[str]]
) -> None:
    site, ids = garage
    before = len(audit_entries(shared_server))
    with shared_server.client(Role.ADMIN) as admin:
        event = admin.get(f"/api/v1/events/{ids[0]}").json()
        listed = admin.get("/api/v1/events", params={"site": site}).json()["events"]
        too_short = admin.get(f"/api/v1/events/{ids[0]}", params={"purpose": "x"})
    assert event["personal"] is None and event["personal_state"] == "sealed"
    assert all(e["personal"] is None for e in listed)
    assert too_short.status_code == 422
    assert len(audit_entries(shared_server)) == before


def test_every_unseal_is_audited_with_actor_purpose_and_targets(
    shared_server: LiveServer, garage: tuple[str, list[str]]
) -> None:
    site, ids = garage
    with shared_server.client(Role.OPERATOR) as operator:
        operator.get(f"/api/v1/events/{ids[3]}", params={"purpose": "tailgating check"})
    entry = audit_entries(shared_server)[-1]
    assert entry["actor"] == "operator-all" and entry["role"] == "operator"
    assert entry["action"] == "events.read" and entry["purpose"] == "tailgating check"
    assert entry["targets"] == [ids[3]] and entry["site_id"] == site and entry["request_id"]


def test_lookup_by_plate_finds_every_spelling_and_nothing_else(
    shared_server: LiveServer, garage: tuple[str, list[str]]
) -> None:
    site, ids = garage
    with shared_server.client(Role.OPERATOR) as operator:
        found = operator.post(
            "/api/v1/events/lookup",
            json={
                "site": site,
                "field": "plate",
                "value": "浙Ａ－１２３４５",
                "purpose": "gate dispute",
            },
        ).json()
        nothing = operator.post(
            "/api/v1/events/lookup",
            json={"site": site, "field": "plate", "value": "浙A54321", "purpose": "gate dispute"},
        ).json()
        by_id = operator.post(
            "/api/v1/events/lookup",
            json={
                "site": site,
                "field": "national_id",
                "value": "1101 0519 4912 3100 2x",
                "purpose": "visitor query",
            },
        ).json()
        bad_field = operator.post(
            "/api/v1/events/lookup",
            json={"site": site, "field": "person_name", "value": "Zhang", "purpose": "fishing"},
        )
    assert sorted(e["id"] for e in found["events"]) == sorted(ids[:2])
    assert all(e["personal"] == {"plate": "浙A·***"} for e in found["events"])
    assert nothing["events"] == []
    assert [e["id"] for e in by_id["events"]] == [ids[3]]
    assert bad_field.status_code == 422
    actions = [e["action"] for e in audit_entries(shared_server)[-6:]]
    assert actions.count("events.lookup") == 3


def test_viewers_and_auditors_may_not_look_up(
    shared_server: LiveServer, garage: tuple[str, list[str]]
) -> None:
    site, _ = garage
    for role in (Role.VIEWER, Role.AUDITOR):
        with shared_server.client(role) as client:
            response = client.post(
                "/api/v1/events/lookup",
                json={"site": site, "field": "plate", "value": PLATE, "purpose": "curious"},
            )
        assert response.status_code == 403


def test_export_then_erase_a_vehicle(
    shared_server: LiveServer, garage: tuple[str, list[str]]
) -> None:
    site, ids = garage
    request = {"site": site, "field": "plate", "value": "浙A12345", "purpose": "DSAR-2026-117"}
    with shared_server.client(Role.OPERATOR) as operator:
        assert operator.post("/api/v1/subjects/export", json=request).status_code == 403
    with shared_server.client(Role.PRIVACY_OFFICER) as officer:
        exported = officer.post("/api/v1/subjects/export", json=request).json()
        assert sorted(e["id"] for e in exported["events"]) == sorted(ids[:2])
        assert {e["personal"]["plate"] for e in exported["events"]} == {PLATE, "浙A12345"}
        erased = officer.post("/api/v1/subjects/erase", json=request).json()
        assert erased["events_erased"] == 2
        again = officer.post("/api/v1/subjects/export", json=request)
        assert again.status_code == 404
        lookup = officer.post("/api/v1/events/lookup", json={**request, "field": "plate"}).json()
        assert lookup["events"] == []
        event = officer.get(f"/api/v1/events/{ids[0]}", params={"purpose": "check erasure"}).json()
        assert event["personal_state"] == "erased" and event["personal"] is None
        other = officer.get(f"/api/v1/events/{ids[2]}", params={"purpose": "check others"}).json()
        assert other["personal"] == {"plate": "粤B·D12345"}
    actions = [e["action"] for e in audit_entries(shared_server)]
    assert "subject.export" in actions and "subject.erase" in actions


def test_export_and_erasure_by_badge_or_phone_reach_the_event_sealed_under_the_id_number(
    shared_server: LiveServer, garage: tuple[str, list[str]]
) -> None:
    """The access event carries an ID number, a badge and a phone; it is sealed under the
    ID number's subject, and the others are linked to it."""
    site, ids = garage
    request = {"site": site, "purpose": "DSAR-2026-118"}
    with shared_server.client(Role.PRIVACY_OFFICER) as officer:
        for field in ("badge_id", "phone", "national_id"):
            exported = officer.post(
                "/api/v1/subjects/export", json={**request, "field": field, "value": PERSON[field]}
            ).json()
            assert [e["id"] for e in exported["events"]] == [ids[3]], field
            assert exported["events"][0]["personal"]["person_name"] == "Zhang Min"
            assert exported["unresolved"] == []
        erased = officer.post(
            "/api/v1/subjects/erase", json={**request, "field": "badge_id", "value": "b-7788"}
        ).json()
        assert erased["events_erased"] == 1 and erased["unresolved"] == []
        assert len(erased["subject_ids"]) == 3  # badge, ID number and phone
        event = officer.get(f"/api/v1/events/{ids[3]}", params={"purpose": "check erasure"}).json()
        assert event["personal_state"] == "erased" and event["personal"] is None
        for field in ("phone", "national_id"):
            gone = officer.post(
                "/api/v1/subjects/export", json={**request, "field": field, "value": PERSON[field]}
            )
            assert gone.status_code == 404, field
    [(subject_id,)] = raw_sql(
        shared_server.settings,
        "SELECT subject_id FROM events WHERE id = ?",
        (bytes.fromhex(ids[3].replace("-", "")),),
    )
    assert subject_id is None


def test_a_tampered_ciphertext_fails_loudly(
    shared_server: LiveServer, garage: tuple[str, list[str]]
) -> None:
    site, ids = garage
    settings = shared_server.settings
    rows = {
        row[0].hex(): row[1]
        for row in raw_sql(settings, "SELECT id, personal FROM events WHERE site_id = ?", (site,))
    }
    first, second = (bytes.fromhex(i.replace("-", "")) for i in ids[:2])
    # Move one vehicle's ciphertext onto its other event (same key, other row id).
    raw_sql(settings, "UPDATE events SET personal = ? WHERE id = ?", (rows[first.hex()], second))
    flipped = bytearray(rows[bytes.fromhex(ids[3].replace("-", "")).hex()])
    flipped[-1] ^= 1
    raw_sql(
        settings,
        "UPDATE events SET personal = ? WHERE id = ?",
        (bytes(flipped), bytes.fromhex(ids[3].replace("-", ""))),
    )
    with shared_server.client(Role.ADMIN) as admin:
        moved = admin.get(f"/api/v1/events/{ids[1]}", params={"purpose": "integrity"})
        flipped_answer = admin.get(f"/api/v1/events/{ids[3]}", params={"purpose": "integrity"})
    for response in (moved, flipped_answer):
        assert response.status_code == 500
        assert "integrity check" in response.json()["message"]
    assert PLATE not in moved.text


def test_consent_record_and_withdraw(
    shared_server: LiveServer, garage: tuple[str, list[str]]
) -> None:
    site, _ = garage
    with shared_server.client(Role.PRIVACY_OFFICER) as officer:
        bad = officer.post(
            f"/api/v1/sites/{site}/consents",
            json={"subject_id": "p-77", "purpose": "surveillance", "method": "written"},
        )
        assert bad.status_code == 422 and "purpose" in bad.json()["message"]
        given = officer.post(
            f"/api/v1/sites/{site}/consents",
            json={"subject_id": "p-77", "purpose": "access", "method": "written"},
        ).json()
        assert given["recorded_by"] == "privacy_officer-all" and given["withdrawn_at"] is None
        withdrawn = officer.post(
            f"/api/v1/sites/{site}/consents/{given['consent_id']}/withdraw"
        ).json()
        assert withdrawn["withdrawn_at"] is not None
        twice = officer.post(f"/api/v1/sites/{site}/consents/{given['consent_id']}/withdraw")
        assert twice.status_code == 422
        listed = officer.get(f"/api/v1/sites/{site}/consents", params={"subject_id": "p-77"}).json()
        assert len(listed) == 1


def test_audit_log_is_for_auditors_admins_and_privacy_officers(shared_server: LiveServer) -> None:
    for role, status in (
        (Role.AUDITOR, 200),
        (Role.PRIVACY_OFFICER, 200),
        (Role.ADMIN, 200),
        (Role.OPERATOR, 403),
        (Role.VIEWER, 403),
    ):
        with shared_server.client(role) as client:
            assert client.get("/api/v1/audit").status_code == status
    assert httpx.get(shared_server.url + "/api/v1/audit").status_code == 401
