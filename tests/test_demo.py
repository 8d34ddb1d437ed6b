"""The demo: its site, its synthetic people, its simulator and the ``sitewarden demo`` command."""

from __future__ import annotations

import os
import queue
import random
import re
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import IO, Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from sitewarden.demo import site
from sitewarden.demo.access_setup import (
    FACES,
    AccessPlan,
    barred_person,
    enrolled_people,
    next_new_year,
)
from sitewarden.demo.attendance_history import HISTORY_DAYS, MISSING_OUTS, staff_history
from sitewarden.demo.device_calls import DeviceCalls
from sitewarden.demo.garage_setup import (
    ALLOWED_PLATE,
    DENIED_PLATE,
    GaragePlan,
    lanes,
    permit_holders,
    this_month,
)
from sitewarden.demo.live_site import FAST, LivePlans, LiveSite
from sitewarden.demo.people import (
    PHONE_PATTERN,
    PLATE_PATTERN,
    PersonRole,
    is_valid_national_id,
    make_population,
    national_id_check_digit,
)
from sitewarden.demo.simulator import Scenario, Simulator, Traffic, activity_at
from sitewarden.demo.traffic import LIVE_SCENARIOS
from sitewarden.errors import AuthenticationFailed
from sitewarden.events.device_kinds import DeviceKind
from sitewarden.events.kinds import KINDS
from sitewarden.intake.validation import IntakeLimits, validate_event
from sitewarden.registry import service
from sitewarden.registry.records import Sender
from sitewarden.runtime.storage import Storage
from tests.conftest import LiveServer, device_client, free_port

SHANGHAI_NOON = datetime(2026, 11, 23, 4, 0, tzinfo=UTC)
# Every kind a device can send; device.offline is the server's own.
# device.offline comes from sitewarden's health checker; gate denials and unpaid exits
# from its parking decisions, not from devices.
DEVICE_SENT_KINDS = set(KINDS) - {
    "device.offline",
    "parking.denied",
    "parking.unpaid_exit",
    "parking.manual_open",
    "security.lookup_burst",
}


# --- the site ------------------------------------------------------------------------
def test_building_the_demo_site_twice_is_idempotent_and_covers_every_device_kind(
    store: Storage,
) -> None:
    first = site.build_demo_site(store)
    second = site.build_demo_site(store)

    assert [(d.device_id, d.created_at) for d in first] == [
        (d.device_id, d.created_at) for d in second
    ]
    devices = store.registry.list_devices(site.SITE_ID)
    assert len(devices) == len(site.DEVICES) and 35 <= len(devices) <= 50
    assert {device.kind for device in devices} == set(DeviceKind)
    zones = {zone.zone_id for zone in store.registry.list_zones(site.SITE_ID)}
    assert zones == {zone.zone_id for zone in site.ZONES}
    assert len(store.registry.list_sites()) == 1
    riverside = service.require_site(store.registry, site.SITE_ID)
    assert (riverside.name, riverside.timezone) == ("Riverside Gardens", "Asia/Shanghai")
    assert (riverside.plan_width, riverside.plan_height) == (1000, 700)
    for device in devices:
        assert device.x is not None and 0 <= device.x <= 1000
        assert device.y is not None and 0 <= device.y <= 700
        assert 30 <= device.heartbeat_s <= 60
        assert device.zone_id is not None


def test_building_the_demo_site_restores_a_moved_device_to_the_plan(store: Storage) -> None:
    site.build_demo_site(store)
    moved = service.require_device(store.registry, site.SITE_ID, "ng-reader-1")
    service.update_device(store.registry, replace(moved, x=1.0, y=1.0, heartbeat_s=600))

    site.build_demo_site(store)

    restored = service.require_device(store.registry, site.SITE_ID, "ng-reader-1")
    assert (restored.x, restored.y, restored.heartbeat_s) == (470, 40, 30)


def test_each_demo_start_issues_new_tokens_and_the_old_ones_stop_working(
    store: Storage,
) -> None:
    site.build_demo_site(store)
    old = site.issue_demo_tokens(store)
    new = site.issue_demo_tokens(store)

    assert set(new) == {device.device_id for device in site.DEVICES}
    assert (
        service.authenticate_device(store.registry, new["garage-lpr-in"]).device_id
        == "garage-lpr-in"
    )
    with pytest.raises(AuthenticationFailed):
        service.authenticate_device(store.registry, old["garage-lpr-in"])


# --- synthetic people -----------------------------------------------------------------
def test_national_ids_carry_a_valid_mod_11_2_check_digit_and_birth_date() -> None:
    population = make_population(seed=2026)

    assert national_id_check_digit("11010519491231002") == "X"  # the published example
    assert is_valid_national_id("11010519491231002X")
    assert not is_valid_national_id("110105194912310021")  # wrong check digit
    assert not is_valid_national_id("11010519491331002X")  # month 13
    ids = [person.national_id for person in population.people]
    assert len(ids) > 150 and all(is_valid_national_id(number) for number in ids)
    assert len(set(ids)) == len(ids)


def test_plates_follow_the_chinese_format_including_new_energy_plates() -> None:
    population = make_population(seed=2026)
    plates = population.plates

    assert plates and all(PLATE_PATTERN.match(plate) for plate in plates)
    assert not any(letter in plate for plate in plates for letter in "IO")
    assert any(len(plate) == 9 for plate in plates)  # new energy: 浙A·D12345
    assert any(len(plate) == 8 for plate in plates)  # ordinary: 浙A·12345
    assert not PLATE_PATTERN.match("浙A·I2345") and not PLATE_PATTERN.match("浙A12345")
    assert len(set(plates)) == len(plates)


def test_phones_and_badges_are_well_formed_and_people_repeat_for_a_seed() -> None:
    population = make_population(seed=7)

    assert all(PHONE_PATTERN.match(person.phone) for person in population.people)
    assert population == make_population(seed=7)
    assert population != make_population(seed=8)
    values = population.personal_values()
    for person in population.people:
        assert {person.name, person.national_id, person.phone} <= values


# --- traffic ------------------------------------------------------------------------
def _sender(device: site.DemoDevice) -> Sender:
    return Sender(site.SITE_ID, device.device_id, device.kind, device.zone_id)


def test_every_scenario_produces_events_that_ingest_validation_accepts() -> None:
    traffic = Traffic(seed=3, now=SHANGHAI_NOON)
    devices = {device.device_id: device for device in site.DEVICES}
    limits = IntakeLimits(timedelta(minutes=5), timedelta(days=30), 32)
    produced: Counter[str] = Counter()
    for scenario in Scenario:
        for outgoing in traffic.generate(scenario, SHANGHAI_NOON):
            event = validate_event(
                dict(outgoing.event),
                event_id=uuid.uuid4(),
                sender=_sender(devices[outgoing.device_id]),
                received_at=SHANGHAI_NOON,
                limits=limits,
                find_device=lambda _: None,
            )
            produced[event.kind] += 1
    for device in site.DEVICES:
        heartbeat = traffic.heartbeat(device, SHANGHAI_NOON, uptime_s=100)
        assert heartbeat.event["kind"] == "device.heartbeat"

    assert set(produced) == DEVICE_SENT_KINDS - {"device.heartbeat"}


def test_personal_fields_travel_only_in_the_personal_part() -> None:
    traffic = Traffic(seed=4, now=SHANGHAI_NOON)
    values = traffic.population.personal_values()
    for _ in range(300):
        for outgoing in traffic.draw(SHANGHAI_NOON):
            attributes = repr(outgoing.event["attributes"])
            assert not any(value in attributes for value in values), outgoing.event
            if outgoing.event["kind"] in ("access.granted", "plate.read", "parking.entry"):
                assert outgoing.event["personal"]


def test_wifi_presence_sends_sha256_hashes_never_mac_like_identifiers() -> None:
    traffic = Traffic(seed=5, now=SHANGHAI_NOON)
    (outgoing,) = traffic.generate(Scenario.WIFI, SHANGHAI_NOON)
    hashed = outgoing.event["attributes"]["hashed_ids"]

    assert hashed and all(re.fullmatch(r"[0-9a-f]{64}", value) for value in hashed)
    mac = re.compile(r"([0-9a-fA-F]{2}[:-]){5}[0-9a-fA-F]{2}")
    assert not mac.search(repr(outgoing.event))
    assert outgoing.event["attributes"]["salt_date"] == "2026-11-23"  # the site's local day


def test_occupancy_counts_never_come_from_a_garage_whose_lanes_count_its_cars() -> None:
    """The garage's occupancy is its parked cars (parking sessions); a camera count for
    its zone would show a second, contradicting figure on the overview."""
    traffic = Traffic(seed=8, now=SHANGHAI_NOON)
    counters = {
        outgoing.device_id
        for _ in range(300)
        for outgoing in traffic.generate(Scenario.OCCUPANCY, SHANGHAI_NOON)
    }
    zones = {device.device_id: device.zone_id for device in site.DEVICES}
    assert len(counters) > 3
    assert {zones[device] for device in counters}.isdisjoint({"garage"})


def test_traffic_repeats_for_the_same_seed_and_clock() -> None:
    moments = [SHANGHAI_NOON + timedelta(seconds=3 * n) for n in range(200)]
    first, second = Traffic(seed=9, now=SHANGHAI_NOON), Traffic(seed=9, now=SHANGHAI_NOON)

    assert [first.draw(at) for at in moments] == [second.draw(at) for at in moments]


def test_access_traffic_peaks_in_the_morning_and_is_quiet_at_night() -> None:
    zone = Traffic(seed=1).zone
    night = datetime(2026, 11, 23, 3, 0, tzinfo=zone)
    rush = datetime(2026, 11, 23, 8, 0, tzinfo=zone)
    assert activity_at(night) < 0.2 and activity_at(rush) == 1.0

    def access_share(local: datetime) -> float:
        traffic = Traffic(seed=1, now=local)
        kinds: list[str] = [o.event["kind"] for _ in range(2000) for o in traffic.draw(local)]
        return sum(kind.startswith("access.") for kind in kinds) / len(kinds)

    assert access_share(rush) > 2 * access_share(night)


def test_with_the_live_garage_and_readers_the_traffic_leaves_their_events_to_the_server() -> None:
    traffic = Traffic(seed=6, now=SHANGHAI_NOON)
    kinds = {
        outgoing.event["kind"]
        for n in range(1500)
        for outgoing in traffic.draw(SHANGHAI_NOON + timedelta(seconds=n), LIVE_SCENARIOS)
    }

    assert kinds and not kinds & {"access.granted", "access.denied", "plate.read"}
    assert not any(kind.startswith("parking.") for kind in kinds)
    assert {"occupancy.count", "wifi.presence"} <= kinds


# --- the garage and access set-up (data) ---------------------------------------------------
def test_the_garage_has_an_entry_and_an_exit_lane_and_permits_for_residents_and_staff() -> None:
    population = make_population(site.POPULATION_SEED)
    holders = permit_holders(population)

    assert lanes() == {"garage-lpr-in": "entry", "garage-lpr-out": "exit"}
    kinds = Counter(kind for _, kind in holders)
    assert kinds["resident"] >= 5 and kinds["staff"] >= 1
    assert all(PLATE_PATTERN.match(plate) for plate, _ in holders)
    # The allowed van and the barred car are nobody's: they must not be drawn as residents'.
    for plate, reason in (ALLOWED_PLATE, DENIED_PLATE):
        assert PLATE_PATTERN.match(plate) and reason
        assert plate not in population.plates


def test_a_monthly_permit_runs_over_the_sites_calendar_month() -> None:
    zone = ZoneInfo(site.SITE_TIMEZONE)
    # 30 November 20:00 UTC is already 1 December in Shanghai.
    start, end = this_month(datetime(2026, 11, 30, 20, 0, tzinfo=UTC))
    assert (start, end) == (datetime(2026, 12, 1, tzinfo=zone), datetime(2027, 1, 1, tzinfo=zone))
    assert next_new_year(date(2026, 11, 23)) == date(2027, 1, 1)


def test_the_people_enrolled_include_every_staff_member_the_barred_one_and_the_faces() -> None:
    population = make_population(site.POPULATION_SEED)
    enrolled = enrolled_people(population)

    assert {p.national_id for p in population.of_role(PersonRole.STAFF)} <= {
        p.national_id for p in enrolled
    }
    assert barred_person(population) in enrolled
    for role, index in FACES.values():
        assert population.of_role(role)[index] in enrolled
    assert not any(p.role is PersonRole.VISITOR for p in enrolled)


def test_the_attendance_history_repeats_for_a_seed_and_pairs_ins_and_outs_on_past_days() -> None:
    staff = [f"p-{n:02d}" for n in range(18)]
    today = date(2026, 12, 6)  # a Sunday
    history = staff_history(staff, today, random.Random(5))
    devices = {device.device_id: device for device in site.DEVICES}
    limits = IntakeLimits(timedelta(minutes=5), timedelta(days=30), 32)
    received = datetime.combine(today, datetime.min.time(), ZoneInfo(site.SITE_TIMEZONE))

    assert history == staff_history(staff, today, random.Random(5))
    assert history != staff_history(staff, today, random.Random(6))
    assert [badge.at for badge in history] == sorted(badge.at for badge in history)
    shifts: dict[tuple[str, date], list[str]] = {}
    for badge in history:
        assert badge.at.tzinfo is not None
        shifts.setdefault((badge.person_id, badge.at.date()), []).append(badge.direction)
        event = validate_event(
            badge.event(),
            event_id=uuid.uuid4(),
            sender=_sender(devices[badge.reader.device_id]),
            received_at=received,
            limits=limits,
            find_device=lambda _: None,
        )
        assert event.kind == "access.granted" and event.device_id == badge.reader.device_id
    days = {day for _, day in shifts}
    assert today - timedelta(days=HISTORY_DAYS) <= min(days) and max(days) < today
    assert all(day.weekday() != 6 for day in days)  # nobody on Sundays
    assert {person for person, _ in shifts} == set(staff)
    assert set(map(tuple, shifts.values())) == {("in", "out"), ("in",)}
    assert sum(way == ["in"] for way in shifts.values()) == MISSING_OUTS
    ins = [f"{badge.at:%H:%M:%S}" for badge in history if badge.direction == "in"]
    outs = [f"{badge.at:%H:%M:%S}" for badge in history if badge.direction == "out"]
    assert any(at > "09:00:59" for at in ins)  # late
    assert all("08:00" <= at < "09:31" for at in ins) and all(
        "17:00" <= at < "19:01" for at in outs
    )


# --- device calls: failures are logged and counted, never raised ---------------------------
def _demo_site_with_tokens(server: LiveServer) -> dict[str, str]:
    store = server.open_storage()
    try:
        site.build_demo_site(store)
        return site.issue_demo_tokens(store)
    finally:
        store.close()


def test_a_device_call_to_a_server_that_is_gone_counts_a_failure_and_returns_none() -> None:
    outcomes: list[str] = []
    client = httpx.Client(base_url=f"http://127.0.0.1:{free_port()}", timeout=2, trust_env=False)
    with client:
        calls = DeviceCalls(client, {"ng-reader-1": "x"}, "swk_nope", outcomes.append)
        assert calls.badge("ng-reader-1", "RG-000001", "in") is None
        assert calls.pay("some-session", "CNY") == 0

    assert outcomes == ["failed", "failed"]


def test_the_live_garage_and_readers_carry_on_when_every_request_fails() -> None:
    population = make_population(site.POPULATION_SEED)
    staff = tuple(p.badge_id for p in population.of_role(PersonRole.STAFF) if p.badge_id)
    plans = LivePlans(
        GaragePlan(population.plates[:3], ALLOWED_PLATE[0], DENIED_PLATE[0],
                   population.visitor_plates, "CNY"),
        AccessPlan(staff, staff, staff[0], population.unknown_badges, {}, {}),
    )  # fmt: skip
    outcomes: list[str] = []
    dead = httpx.Client(base_url=f"http://127.0.0.1:{free_port()}", timeout=2, trust_env=False)
    with dead:
        tokens = {device.device_id: "sw_x" for device in site.DEVICES}
        calls = DeviceCalls(dead, tokens, "swk_x", outcomes.append)
        live = LiveSite(plans, calls, outcomes.append, activity_at, pace=FAST, seed=3)
        stop = threading.Event()
        running = threading.Thread(target=live.run, args=(stop,), daemon=True)
        running.start()
        time.sleep(2.5)
        stop.set()
        running.join(timeout=10)

    assert not running.is_alive()
    assert len(outcomes) >= 8 and set(outcomes) == {"failed"}


@pytest.mark.slow
def test_a_device_call_the_server_refuses_counts_a_failure_and_returns_none(
    live_server: LiveServer,
) -> None:
    tokens = _demo_site_with_tokens(live_server)
    outcomes: list[str] = []
    with device_client(live_server, "") as client:
        # A door contact is not an access reader: 403, counted, no exception.
        calls = DeviceCalls(client, tokens, None, outcomes.append)
        assert calls.badge("sg-side-door", "RG-000001", "in") is None
        assert calls.snapshot("a-lobby-camera", b"not a jpeg") is None
        assert calls.pay("some-session", "CNY") == 0  # no pay-station key: nothing to do

    assert outcomes == ["failed", "failed"]


# --- simulator against a live server ---------------------------------------------------
@pytest.mark.slow
def test_simulator_stores_many_kinds_without_rejections_and_brings_devices_online(
    live_server: LiveServer,
) -> None:
    tokens = _demo_site_with_tokens(live_server)
    simulator = Simulator(live_server.url, tokens, rate=40, seed=11)
    # One of every scenario first, through the same sending path, so rare kinds are covered.
    now = datetime.now(UTC)
    simulator.send([o for s in Scenario for o in simulator.traffic.generate(s, now)])
    stop = threading.Event()
    running = threading.Thread(target=simulator.run, args=(stop,), daemon=True)
    running.start()

    with live_server.client() as admin:
        deadline = time.monotonic() + 15
        while simulator.stats().accepted_total < 150 and time.monotonic() < deadline:
            time.sleep(0.2)
        stop.set()
        running.join(timeout=15)
        stats = simulator.stats()
        events = admin.get("/api/v1/events", params={"site": site.SITE_ID, "limit": 1000}).json()[
            "events"
        ]
        devices = admin.get(f"/api/v1/sites/{site.SITE_ID}/devices").json()

    assert not running.is_alive()
    assert (stats.rejected, stats.rejections, stats.failed_requests) == (0, [], 0)
    assert set(stats.accepted) == DEVICE_SENT_KINDS
    assert len(events) == stats.accepted_total
    assert Counter(event["kind"] for event in events) == stats.accepted
    status = {device["device_id"]: device["status"] for device in devices}
    for device in site.DEVICES:
        expected = "unknown" if device.behaviour is site.Behaviour.SILENT else "online"
        assert status[device.device_id] == expected, device.device_id


# --- the command ------------------------------------------------------------------------
class DemoProcess:
    """``sitewarden demo`` as a real process, its output read line by line."""

    def __init__(self, data_dir: Path, port: int, *extra: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "sitewarden.cli", "demo", "--data-dir", str(data_dir),
             "--port", str(port), *extra],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1", "COLUMNS": "200"},
        )  # fmt: skip
        self.lines: queue.Queue[str] = queue.Queue()
        self.output: list[str] = []
        assert self.process.stdout is not None
        threading.Thread(target=self._read, args=(self.process.stdout,), daemon=True).start()

    def _read(self, stream: IO[str]) -> None:
        for line in stream:
            self.lines.put(line)

    def wait_for(self, text: str, timeout: float = 30) -> str:
        """All output up to the line holding ``text``."""
        deadline = time.monotonic() + timeout
        while not any(text in line for line in self.output):
            remaining = deadline - time.monotonic()
            if remaining <= 0 or (self.process.poll() is not None and self.lines.empty()):
                raise AssertionError(f"no {text!r} in the demo's output:\n{''.join(self.output)}")
            try:
                self.output.append(self.lines.get(timeout=min(remaining, 0.5)))
            except queue.Empty:
                continue
        return "".join(self.output)

    def stop(self, sig: signal.Signals) -> int:
        self.process.send_signal(sig)
        code = self.process.wait(timeout=30)
        while not self.lines.empty():
            self.output.append(self.lines.get())
        return code

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


def _login(url: str, password: str) -> httpx.Response:
    return httpx.post(
        url + "/api/v1/auth/login", json={"username": "admin", "password": password},
        timeout=10, trust_env=False,
    )  # fmt: skip


def _signed_in(url: str, password: str) -> httpx.Client:
    """An admin's client with the session cookie (sent by hand: it is 'Secure', and
    httpx keeps such cookies for https only)."""
    signed_in = _login(url, password)
    assert signed_in.status_code == 200, signed_in.text
    cookie = "; ".join(f"{name}={value}" for name, value in signed_in.cookies.items())
    return httpx.Client(base_url=url, headers={"Cookie": cookie}, timeout=30, trust_env=False)


def _banner(output: str) -> tuple[str, str]:
    url = re.search(r"open\s+(http://\S+)", output)
    password = re.search(r"password\s+(\S+)", output)
    assert url and password, output
    return url.group(1), password.group(1)


@pytest.mark.slow
def test_demo_command_prints_a_login_that_works_and_stops_cleanly_on_ctrl_c(
    tmp_path: Path,
) -> None:
    port = free_port()
    demo = DemoProcess(tmp_path / "demo", port, "--rate", "20")
    try:
        output = demo.wait_for("Ctrl-C to stop")
        url, password = _banner(output)
        assert url == f"http://127.0.0.1:{port}"
        assert str(tmp_path / "demo") in output and "admin" in output
        assert _login(url, password).status_code == 200
        assert _login(url, password + "x").status_code == 401
        time.sleep(1)  # let the simulator post a little
        code = demo.stop(signal.SIGINT)
    finally:
        demo.kill()

    output = "".join(demo.output)
    assert code == 0, output
    summary = re.search(r"stopped: (\d+) events accepted, 0 rejected, 0 requests failed", output)
    assert summary and int(summary.group(1)) > 0, output
    assert "Traceback" not in output


def _past_attendance(admin: httpx.Client, today: date) -> list[dict[str, Any]]:
    """The staff's attendance days of the two weeks before ``today`` (site calendar)."""
    answer = admin.get(
        f"/api/v1/access/sites/{site.SITE_ID}/attendance",
        params={"since": (today - timedelta(days=14)).isoformat(), "until": today.isoformat()},
    )
    assert answer.status_code == 200, answer.text
    return [day for day in answer.json()["days"] if day["day"] < today.isoformat()]


def _past_passes(admin: httpx.Client, today: date) -> int:
    """How many access decisions the site holds from before ``today`` (site calendar)."""
    midnight = datetime.combine(today, datetime.min.time(), ZoneInfo(site.SITE_TIMEZONE))
    params = {"site": site.SITE_ID, "kind": "access", "until": midnight.isoformat()}
    answer = admin.get("/api/v1/events", params={**params, "limit": 1000})
    assert answer.status_code == 200, answer.text
    events = answer.json()["events"]
    assert 0 < len(events) < 1000, "more than one page: count them by pages"
    return len(events)


@pytest.mark.slow
def test_demo_restart_reuses_its_folder_and_history_with_a_new_password_and_stops_on_sigterm(
    tmp_path: Path,
) -> None:
    port = free_port()
    today = datetime.now(ZoneInfo(site.SITE_TIMEZONE)).date()
    first = DemoProcess(tmp_path / "demo", port, "--no-simulate")
    try:
        output = first.wait_for("Ctrl-C to stop")
        url, old_password = _banner(output)
        with _signed_in(url, old_password) as admin:
            history = _past_attendance(admin, today)
            passes = _past_passes(admin, today)
        assert first.stop(signal.SIGTERM) == 0
    finally:
        first.kill()
    # A fresh demo opens its attendance on two weeks of staff shifts.
    assert "adding two weeks of staff attendance history" in output
    assert len({day["day"] for day in history if day["hours"] > 0}) >= 8
    assert any(day["late"] for day in history) and any(day["missing_out"] for day in history)
    second = DemoProcess(tmp_path / "demo", port, "--no-simulate")
    try:
        output = second.wait_for("Ctrl-C to stop")
        url, new_password = _banner(output)
        assert "(reused)" in output and new_password != old_password
        assert "attendance history" not in output
        assert _login(url, old_password).status_code == 401
        with _signed_in(url, new_password) as admin:
            assert _past_attendance(admin, today) == history
            assert _past_passes(admin, today) == passes  # posted once, not again
            people = admin.get(f"/api/v1/access/sites/{site.SITE_ID}/people").json()
            parking = f"/api/v1/parking/sites/{site.SITE_ID}"
            permits = admin.get(f"{parking}/permits").json()
            listed = admin.get(f"{parking}/lists").json()
            tariff = admin.get(f"{parking}/garages/garage/tariff").json()
        assert second.stop(signal.SIGTERM) == 0
    finally:
        second.kill()
    assert "Traceback" not in "".join(second.output)
    # The second start found the set-up in place and added nothing twice.
    population = make_population(site.POPULATION_SEED)
    assert len(people) == len(enrolled_people(population))
    assert len(permits) == len(permit_holders(population))
    assert sorted(entry["list"] for entry in listed) == ["allow", "deny"]
    assert (tariff["currency"], tariff["free_minutes"]) == ("CNY", 15)


def _live_site_state(admin: httpx.Client) -> dict[str, Any]:
    """What the garage and the doors have done so far, from the operator's API."""
    local = datetime.now(ZoneInfo(site.SITE_TIMEZONE)).date()
    parking = f"/api/v1/parking/sites/{site.SITE_ID}"
    sessions = admin.get(f"{parking}/sessions", params={"limit": 1000}).json()
    alerts = admin.get("/api/v1/alerts", params={"site": site.SITE_ID, "limit": 500}).json()
    decided = {
        kind: admin.get(
            "/api/v1/events", params={"site": site.SITE_ID, "kind": kind, "limit": 1000}
        ).json()["events"]
        for kind in ("access.granted", "access.denied")
    }
    attendance = admin.get(
        f"/api/v1/access/sites/{site.SITE_ID}/attendance",
        params={"since": (local - timedelta(days=1)).isoformat(), "until": local.isoformat()},
    ).json()
    return {
        "sessions": sessions,
        "alert_rules": {alert["rule_id"] for alert in alerts["alerts"]},
        "granted": decided["access.granted"],
        "denied": decided["access.denied"],
        "attendance": attendance["days"],
        "snapshots": admin.get(f"/api/v1/sites/{site.SITE_ID}/snapshots").json(),
    }


def _live_site_busy_enough(state: dict[str, Any]) -> bool:
    return bool(
        any(s["entry_device"] == "garage-lpr-in" for s in state["sessions"])
        and any(s["paid_minor"] > 0 for s in state["sessions"])
        and state["alert_rules"] & {"unpaid-exit", "barred-vehicle"}
        and state["granted"]
        and {e["attributes"]["reason"] for e in state["denied"]} >= {"not_enrolled", "barred"}
        and state["attendance"]
        and state["snapshots"]
    )


@pytest.mark.slow
def test_fast_demo_runs_cars_and_people_through_the_gate_and_reader_decisions(
    tmp_path: Path,
) -> None:
    port = free_port()
    demo = DemoProcess(tmp_path / "demo", port, "--fast")
    try:
        url, password = _banner(demo.wait_for("Ctrl-C to stop", timeout=90))
        with _signed_in(url, password) as admin:
            deadline = time.monotonic() + 60
            state = _live_site_state(admin)
            while not _live_site_busy_enough(state) and time.monotonic() < deadline:
                time.sleep(2)
                state = _live_site_state(admin)
            people = admin.get(f"/api/v1/access/sites/{site.SITE_ID}/people").json()
        code = demo.stop(signal.SIGINT)
    finally:
        demo.kill()

    output = "".join(demo.output)
    assert code == 0 and "Traceback" not in output, output
    assert re.search(r"stopped: \d+ events accepted, 0 rejected, 0 requests failed", output)
    assert "garage and readers:" in output and "payment" in output, output
    # The garage: stays opened by frames at the entry lane, paid at the pay station.
    from_frames = [s for s in state["sessions"] if s["entry_device"] == "garage-lpr-in"]
    assert from_frames, state["sessions"]
    assert any(s["paid_minor"] > 0 for s in state["sessions"])
    assert state["alert_rules"] & {"unpaid-exit", "barred-vehicle"}, state["alert_rules"]
    # The doors: decided by the server for enrolled people (each event names a person ref).
    assert state["granted"] and all(e["attributes"].get("person_ref") for e in state["granted"])
    reasons = {event["attributes"]["reason"] for event in state["denied"]}
    assert {"not_enrolled", "barred"} <= reasons, reasons
    assert "barred-person" in state["alert_rules"]
    assert state["attendance"], "staff passes should fill the attendance report"
    staff = {p["person_id"] for p in people if p["group"] == "staff"}
    assert {row["person_ref"] for row in state["attendance"]} <= staff
    assert state["snapshots"] and all(s["faces_blurred"] >= 1 for s in state["snapshots"])
    # Enrolled: the staff, some residents, one barred, two faces, all with consent.
    assert len(people) == len(enrolled_people(make_population(site.POPULATION_SEED)))
    assert sum(p["barred"] for p in people) == 1
    assert sum(p["face_templates"] > 0 for p in people) == len(FACES)
