"""The garage set-up API behind the console's lists, tariffs and revenue pages, against a
real server: rules edited, expired and deleted with audited reasons, CSV imports refused
whole for one bad row, the fee preview equal to what the gate charges, revenue periods."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from sitewarden.accounts.roles import Role
from sitewarden.db.database import _t
from sitewarden.parking.revenue_periods import PeriodRevenue, revenue_csv
from sitewarden.parking.tariffs import Tariff, fee_breakdown, parking_fee
from tests.conftest import LiveServer
from tests.test_parking_gates import Garage

pytestmark = pytest.mark.both_backends

HEADER = "type,plate,garage,permit_kind,reason,valid_from,valid_until\n"


def actions_for(server: LiveServer, target: str) -> list[str]:
    return [e["action"] for e in server.audit_entries() if target in e["targets"]]


def backdate_entry(server: LiveServer, session_id: str, entry_at: datetime) -> None:
    store = server.open_storage()
    try:
        store.db.write(
            "UPDATE parking_sessions SET entry_at = ? WHERE session_id = ?",
            (_t(entry_at), session_id),
        )
    finally:
        store.close()


def test_a_rule_is_created_edited_expired_and_deleted_each_with_an_audited_reason(
    shared_server: LiveServer,
) -> None:
    garage = Garage(shared_server, "gc-rules")
    now = datetime.now(UTC)
    created = garage.admin(
        "POST",
        "/vehicle-rules",
        json={
            "type": "permit",
            "plate": "沪C·11111",
            "permit_kind": "resident",
            "zone_id": "garage",
            "valid_from": (now - timedelta(days=1)).isoformat(),
            "valid_until": (now + timedelta(days=30)).isoformat(),
            "reason": "new resident",
        },
    )
    assert created.status_code == 201, created.text
    rule = created.json()
    assert rule["plate"] == "沪C·***" and rule["state"] == "active"
    rule_id = rule["rule_id"]
    settings = {"formats": ["cn", "cn_ne", "cn_ne_large", "cn_special"], "duplicate_window_s": 0}
    assert garage.admin("PUT", "/plate-settings", json=settings).status_code == 200
    assert garage.read("gate-in", "沪C11111").json()["reason"] == "permit"
    assert garage.read("gate-out", "沪C11111").json()["reason"] == "permit"

    edited = garage.admin(
        "PATCH",
        f"/vehicle-rules/{rule_id}",
        json={
            "type": "permit",
            "permit_kind": "staff",
            "zone_id": None,
            "valid_from": (now - timedelta(days=1)).isoformat(),
            "valid_until": (now + timedelta(days=5)).isoformat(),
            "reason": "moved to staff",
        },
    )
    assert edited.status_code == 200 and edited.json()["permit_kind"] == "staff"
    expired = garage.admin("POST", f"/vehicle-rules/{rule_id}/expire", json={"reason": "left"})
    assert expired.status_code == 200 and expired.json()["state"] == "expired"
    [listed] = garage.admin("GET", "/vehicle-rules").json()
    assert listed["state"] == "expired" and listed["permit_kind"] == "staff"
    assert garage.read("gate-in", "沪C11111").json()["reason"] != "permit"

    assert garage.admin("DELETE", f"/vehicle-rules/{rule_id}").status_code == 422  # no reason
    deleted = garage.admin("DELETE", f"/vehicle-rules/{rule_id}", params={"reason": "cleanup"})
    assert deleted.status_code == 204
    assert garage.admin("GET", "/vehicle-rules").json() == []
    entries = [e for e in shared_server.audit_entries() if rule_id in e["targets"]]
    assert [(e["action"], e["purpose"]) for e in entries] == [
        ("parking.vehicle_rules.create", "new resident"),
        ("parking.vehicle_rules.edit", "moved to staff"),
        ("parking.vehicle_rules.expire", "left"),
        ("parking.vehicle_rules.delete", "cleanup"),
    ]


def test_plates_are_masked_for_every_reader_and_full_only_with_purpose_and_permission(
    shared_server: LiveServer,
) -> None:
    garage = Garage(shared_server, "gc-mask")
    body = {"type": "deny", "plate": "苏E·54321", "reason": "unpaid twice"}
    assert garage.admin("POST", "/vehicle-rules", json=body).status_code == 201
    path = "/api/v1/parking/sites/gc-mask/vehicle-rules"
    for role in (Role.VIEWER, Role.OPERATOR, Role.ADMIN):
        with shared_server.client(role) as client:
            assert client.get(path).json()[0]["plate"] == "苏E·***"
    with shared_server.client(Role.OPERATOR) as operator:
        assert operator.get(path, params={"purpose": "dispute"}).json()[0]["plate"] == "苏E·***"
        refused = operator.post(path, json={**body, "plate": "苏E·99999"})
        assert refused.status_code == 403
    with shared_server.client(Role.ADMIN) as admin:
        full = admin.get(path, params={"purpose": "dispute"}).json()[0]
    assert full["plate"] == "苏E54321" and full["disclosure"] == "full"


def test_an_import_with_one_bad_row_stores_nothing_and_names_each_bad_line(
    shared_server: LiveServer,
) -> None:
    garage = Garage(shared_server, "gc-import")
    bad = (
        HEADER
        + "deny,京A·12345,garage,,gate damage,,\n"
        + "permit,京A·23456,garage,resident,,2026-12-01T00:00:00Z,\n"
        + "allow,NOT A PLATE,,,visitor,,\n"
        + "deny,京A·34567,nowhere,,test,,\n"
        + "permit,京A·45678,,staff,,2026-12-01T00:00:00,2027-01-01T00:00:00Z\n"
    )
    answer = garage.admin("POST", "/vehicle-rules/import", json={"csv": bad, "reason": "import"})
    assert answer.status_code == 422, answer.text
    problems = {p["line"]: p["problem"] for p in answer.json()["problems"]}
    assert set(problems) == {3, 4, 5, 6}
    assert "valid_from and valid_until" in problems[3] and "plate formats" in problems[4]
    assert "'nowhere'" in problems[5] and "timezone offset" in problems[6]
    assert garage.admin("GET", "/vehicle-rules").json() == []

    good = (
        HEADER
        + "allow,京A·12345,garage,,contractor van,2026-12-01T00:00:00Z,2027-01-01T00:00:00Z\n"
        + "deny,京A·34567,,,gate damage,,\n"
        + "permit,京A·45678,garage,staff,,2026-12-01T00:00:00Z,2027-01-01T00:00:00Z\n"
    )
    stored = garage.admin("POST", "/vehicle-rules/import", json={"csv": good, "reason": "import"})
    assert stored.status_code == 201 and stored.json() == {
        "stored": 3,
        "list_entries": 2,
        "permits": 1,
    }
    exported = garage.admin("GET", "/vehicle-rules/export", params={"purpose": "backup"})
    assert exported.status_code == 200 and exported.text == good
    with shared_server.client(Role.OPERATOR) as operator:
        path = "/api/v1/parking/sites/gc-import/vehicle-rules/export"
        assert operator.get(path, params={"purpose": "backup"}).status_code == 403
    actions = [e["action"] for e in shared_server.audit_entries() if e["site_id"] == "gc-import"]
    assert "parking.vehicle_rules.import" in actions and "parking.vehicle_rules.export" in actions


def test_the_fee_preview_equals_what_the_exit_gate_asks_for_that_stay(
    shared_server: LiveServer,
) -> None:
    garage = Garage(shared_server, "gc-fee")
    tariff = {
        "currency": "CNY",
        "hourly_minor": 800,
        "night_hourly_minor": 300,
        "night_start": "22:00",
        "night_end": "07:00",
        "daily_cap_minor": 6000,
        "lost_ticket_minor": 10000,
    }
    typo = garage.admin("PUT", "/garages/garage/tariff", json={**tariff, "currency": "CYN"})
    assert typo.status_code == 422 and "not an ISO 4217 code" in typo.json()["message"]
    assert garage.admin("PUT", "/garages/garage/tariff", json=tariff).status_code == 200
    session = garage.read("gate-in", "浙A·77777").json()["session_id"]
    entry = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(hours=27, minutes=30)
    backdate_entry(shared_server, session, entry)
    shut = garage.read("gate-out", "浙A·77777").json()
    assert shut["open"] is False
    preview = garage.admin(
        "GET",
        "/garages/garage/fee-preview",
        params={"entry_at": entry.isoformat(), "exit_at": datetime.now(UTC).isoformat()},
    ).json()
    assert preview["fee_minor"] == shut["due_minor"] > 0
    assert len(preview["days"]) >= 2 and sum(d["slots"] for d in preview["days"]) == 28
    assert sum(d["charged_minor"] for d in preview["days"]) == preview["fee_minor"]


def test_the_breakdown_counts_real_hours_across_a_clock_change_and_caps_each_day() -> None:
    tariff = Tariff("EUR", 200, daily_cap_minor=1000)
    berlin = ZoneInfo("Europe/Berlin")
    entry = datetime(2026, 10, 24, 20, 0, tzinfo=berlin)  # clocks go back on the 25th
    leave = datetime(2026, 10, 25, 6, 0, tzinfo=berlin)
    fee = fee_breakdown(tariff, entry, leave, "Europe/Berlin")
    assert fee.elapsed == timedelta(hours=11) and fee.clock_change == timedelta(hours=-1)
    assert [(d.slots, d.before_cap_minor, d.charged_minor) for d in fee.days] == [
        (4, 800, 800),
        (7, 1400, 1000),
    ]
    assert fee.total_minor == parking_fee(tariff, entry, leave, "Europe/Berlin") == 1800


def test_revenue_per_week_and_month_is_the_sum_of_its_days_and_the_csv_says_the_same(
    shared_server: LiveServer,
) -> None:
    garage = Garage(shared_server, "gc-revenue")
    for number, plate in enumerate(("鲁B·10001", "鲁B·10002")):
        session = garage.read("gate-in", plate).json()["session_id"]
        payment = {
            "amount_minor": 500 + number,
            "currency": "CNY",
            "method": "card",
            "reference": f"r-{number}",
        }
        with shared_server.client(Role.OPERATOR) as till:
            paid = till.post(f"/api/v1/parking/sessions/{session}/payments", json=payment)
            assert paid.status_code == 201
    now = datetime.now(UTC)
    window = {
        "since": (now - timedelta(days=200)).isoformat(),
        "until": (now + timedelta(days=1)).isoformat(),
    }
    day_window = {"since": (now - timedelta(days=2)).isoformat(), "until": window["until"]}
    days = garage.admin("GET", "/revenue", params=day_window).json()
    assert sum(d["amount_minor"] for d in days) == 1001
    for period in ("day", "week", "month"):
        rows = garage.admin("GET", "/revenue/periods", params={**window, "period": period}).json()
        assert (
            sum(r["amount_minor"] for r in rows) == 1001 and sum(r["payments"] for r in rows) == 2
        )
        csv = garage.admin("GET", "/revenue/export", params={**window, "period": period}).text
        assert csv.splitlines()[0] == f"{period}_start,currency,amount_minor,amount,payments"
        assert [line.split(",")[2] for line in csv.splitlines()[1:]] == [
            str(r["amount_minor"]) for r in rows
        ]
    too_long = {"since": (now - timedelta(days=500)).isoformat(), "until": window["until"]}
    assert garage.admin("GET", "/revenue/periods", params=too_long).status_code == 422


def test_the_revenue_csv_writes_the_amount_with_the_currencys_own_digits() -> None:
    """Yen have no minor unit, dinars three digits, yuan two: 500 JPY is "500" yen, not
    "5.00"."""
    month = date(2026, 12, 1)
    rows = [
        PeriodRevenue(month, "JPY", 500, 1),
        PeriodRevenue(month, "KWD", 12345, 2),
        PeriodRevenue(month, "CNY", 1234, 3),
        PeriodRevenue(month, "CNY", 5, 1),
    ]
    assert revenue_csv(rows, "month").splitlines() == [
        "month_start,currency,amount_minor,amount,payments",
        "2026-12-01,JPY,500,500,1",
        "2026-12-01,KWD,12345,12.345,2",
        "2026-12-01,CNY,1234,12.34,3",
        "2026-12-01,CNY,5,0.05,1",
    ]
