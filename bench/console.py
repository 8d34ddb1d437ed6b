"""Operator console over 10 million events: the API answers the pages ask for, and each
page's first render in a browser (issue #19: render <= 1 s, filter answer <= 300 ms).

Starts a real ``sitewarden serve`` on a cached data folder (``bench/console_data.py``:
``bench/search.py``'s events plus sites, devices, occupancy, alerts, one planted event
and an administrator), signs the administrator in with password and second factor, then

* times each API answer the console pages ask for (the events explorer's filters and
  its next page, the live list, the alarm console, the device list, occupancy),
  ``--repeats`` times after two untimed calls, checking every answer against its filter;
* loads each console page ``--loads`` times in headless Chromium, timing from
  navigation start to the first data row visible.

The events span 30 days that end at midnight UTC of the day the cache was built, so the
"last hour / 24 h / 7 d" windows end where the data ends rather than at the clock.

    python -m bench.console [--events 10000000] [--repeats 30] [--loads 10] [--quick]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pyotp

from bench import console_data, console_pages
from bench.common import (
    LOOPBACK,
    Figure,
    ServerProcess,
    free_port,
    percentile,
    planned_devices,
    print_machine,
    print_table,
)
from bench.console_data import ADMIN, PLANTED_NOTE, PLANTED_SITE, ConsoleData
from bench.search import DAY_US, HOUR_US
from sitewarden.config import load_settings
from sitewarden.events.model import from_micros
from sitewarden.events.query import TELEMETRY_KINDS

TARGET_ANSWER_MS = 300.0
SITE = "site-1"
ZONE = "lobby"
DEVICE = "reader-01"
RARE_KIND = "door.forced"
ABSENT_KIND = "parking.denied"  # no bench device sends it (bench/common.py KIND_MIX)
PACE_S = 0.06
_last_request = 0.0
Answer = dict[str, Any]
Check = Callable[[Answer], None]
Params = list[tuple[str, str]]  # a key may repeat (state=open&state=returned)


class WrongAnswer(RuntimeError):
    """An answer that does not match what was asked: the benchmark fails."""


# --- signing in ---------------------------------------------------------------------------------
class AdminSession:
    """The administrator signed in through the API, second factor included (enrolled the
    first time and kept in the folder's ``console.json``)."""

    def __init__(self, url: str, folder: Path, data: ConsoleData) -> None:
        self.url, self.folder, self.data = url, folder, data
        self._last_step = 0

    def code(self) -> str:
        """A code for a 30-second step not used yet (each step signs in once)."""
        assert self.data.admin_totp is not None
        totp = pyotp.TOTP(self.data.admin_totp)
        while True:
            now = totp.timecode(datetime.now())
            step = max(now, self._last_step + 1)
            if step <= now + 1:
                self._last_step = step
                return totp.generate_otp(step)
            time.sleep(0.5)

    def sign_in(self) -> str:
        """A session cookie with the second factor done."""
        body = {"username": ADMIN, "password": self.data.admin_password}
        if self.data.admin_totp is None:
            self._enrol(body)
        for _ in range(3):  # a step the last run signed in with is refused: the next one
            answer = httpx.post(self.url + "/api/v1/auth/login", json={**body, "totp": self.code()})
            if answer.status_code != 401:
                break
        answer.raise_for_status()
        return str(answer.cookies["sitewarden_session"])

    def _enrol(self, body: dict[str, str]) -> None:
        answer = httpx.post(self.url + "/api/v1/auth/login", json=body)
        answer.raise_for_status()
        jar = {"sitewarden_session": answer.cookies["sitewarden_session"]}
        headers = {"x-csrf-token": answer.json()["csrf_token"]}
        secret = httpx.post(self.url + "/api/v1/me/totp", cookies=jar, headers=headers)
        secret.raise_for_status()
        self.data.admin_totp = secret.json()["secret"]
        confirmed = httpx.post(
            self.url + "/api/v1/me/totp/confirm",
            json={"code": self.code()},
            cookies=jar,
            headers=headers,
        )
        if confirmed.status_code != 204:
            raise RuntimeError(f"second factor not enrolled: {confirmed.text}")
        console_data.save(self.folder, self.data)


# --- the API answers ------------------------------------------------------------------------------
@dataclass(frozen=True)
class ApiCase:
    """One answer a console page asks for, and what must hold of it."""

    name: str
    path: str
    params: Params
    check: Check


def _iso(micros: int) -> str:
    return from_micros(micros).isoformat().replace("+00:00", "Z")


def events_match(
    since_us: int,
    until_us: int,
    site: str | None = None,
    zone: str | None = None,
    device: str | None = None,
    kind: str | None = None,
    severities: tuple[str, ...] | None = None,
    telemetry: bool = False,
    least: int = 1,
) -> Check:
    """The events answer obeys its filters, runs newest first and has ``least`` events."""

    def check(answer: Answer) -> None:
        events = answer["events"]
        if len(events) < least:
            raise WrongAnswer(f"{len(events)} events, expected at least {least}")
        times = [datetime.fromisoformat(e["occurred_at"]) for e in events]
        if times != sorted(times, reverse=True):
            raise WrongAnswer("events not newest first")
        lowest, highest = from_micros(since_us), from_micros(until_us)
        for event, at in zip(events, times, strict=True):
            wrong = (
                not lowest <= at < highest
                or (site is not None and event["site_id"] != site)
                or (zone is not None and event["zone_id"] != zone)
                or (device is not None and event["device_id"] != device)
                or (kind is not None and event["kind"] != kind)
                or (severities is not None and event["severity"] not in severities)
                or (not telemetry and event["kind"] in TELEMETRY_KINDS)
            )
            if wrong:
                raise WrongAnswer(f"event {event['id']} does not match the filter")

    return check


def finds_planted(planted_id: str) -> Check:
    def check(answer: Answer) -> None:
        ids = [event["id"] for event in answer["events"]]
        if ids != [planted_id]:
            raise WrongAnswer(f"text search found {ids}, not the planted event {planted_id}")

    return check


def finds_nothing(answer: Answer) -> None:
    if answer["events"]:
        raise WrongAnswer(f"{len(answer['events'])} events for text nobody wrote")


def alerts_match(
    site: str | None, severities: tuple[str, ...], unshelved: bool, resolved: bool
) -> Check:
    def check(answer: Answer) -> None:
        if not answer["alerts"]:
            raise WrongAnswer("no alerts")
        for alert in answer["alerts"]:
            wrong = (
                (site is not None and alert["site_id"] != site)
                or alert["severity"] not in severities
                or (unshelved and alert["shelved_until"] is not None)
                or (resolved != (alert["state"] == "resolved"))
            )
            if wrong:
                raise WrongAnswer(f"alert {alert['alert_id']} does not match the filter")

    return check


def count_is(expected: int, what: str) -> Check:
    def check(answer: Any) -> None:
        if len(answer) != expected:
            raise WrongAnswer(f"{len(answer)} {what}, expected {expected}")

    return check


def rates_listed(answer: Any) -> None:
    if not answer or not all("rule_id" in rate for rate in answer):
        raise WrongAnswer("no rule rates")


def api_cases(data: ConsoleData) -> list[ApiCase]:
    """The answers the pages ask for (static/explorer.js, live.js, alerts.js, devices.js)."""
    end = data.end_us
    week, day, hour = end - 7 * DAY_US, end - DAY_US, end - HOUR_US
    base = {"limit": "100", "telemetry": "false", "until": _iso(end)}

    def explorer(name: str, since: int, check: Check, **filters: str) -> ApiCase:
        params = {**base, "since": _iso(since), **filters}
        return ApiCase("events: " + name, "/api/v1/events", list(params.items()), check)

    all_severe = ("major", "critical")
    unresolved = [("state", state) for state in ("open", "returned", "acknowledged")]
    priority = [("limit", "200"), *unresolved, ("order", "priority"), ("shelved", "false")]
    devices = len(planned_devices(SITE)) + 1  # and the gateway
    zones = 4
    return [
        explorer("last hour", hour, events_match(hour, end, least=100)),
        explorer("last 24 h", day, events_match(day, end, least=100)),
        explorer("last 7 d", week, events_match(week, end, least=100)),
        explorer("24 h + site", day, events_match(day, end, SITE, least=100), site=SITE),
        explorer(
            "24 h + site + zone",
            day,
            events_match(day, end, SITE, zone=ZONE, least=100),
            site=SITE,
            zone=ZONE,
        ),
        explorer(
            "24 h + site + device",
            day,
            events_match(day, end, SITE, device=DEVICE),
            site=SITE,
            device=DEVICE,
        ),
        explorer(
            f"7 d + site + kind {RARE_KIND}",
            week,
            events_match(week, end, SITE, kind=RARE_KIND),
            site=SITE,
            kind=RARE_KIND,
        ),
        explorer(
            "7 d + kind (all sites)",
            week,
            events_match(week, end, kind=RARE_KIND),
            kind=RARE_KIND,
        ),
        explorer(
            f"7 d + kind not sent ({ABSENT_KIND})",
            week,
            events_match(week, end, kind=ABSENT_KIND, least=0),
            kind=ABSENT_KIND,
        ),
        explorer(
            f"7 d + site + kind not sent ({ABSENT_KIND})",
            week,
            events_match(week, end, SITE, kind=ABSENT_KIND, least=0),
            site=SITE,
            kind=ABSENT_KIND,
        ),
        explorer(
            "7 d + site + severity major",
            week,
            events_match(week, end, SITE, severities=all_severe),
            site=SITE,
            severity="major",
        ),
        explorer(
            "7 d + severity critical (all sites)",
            week,
            events_match(week, end, severities=("critical",)),
            severity="critical",
        ),
        ApiCase(
            "events: 24 h + site, telemetry shown",
            "/api/v1/events",
            [("limit", "100"), ("since", _iso(day)), ("until", _iso(end)), ("site", SITE)],
            events_match(day, end, SITE, telemetry=True, least=100),
        ),
        explorer("7 d + text", week, finds_planted(data.planted_id), q=PLANTED_NOTE[-16:]),
        explorer(
            "7 d + site + text",
            week,
            finds_planted(data.planted_id),
            site=PLANTED_SITE,
            q="north stair",
        ),
        explorer("7 d + text found nowhere", week, finds_nothing, q="no such words anywhere"),
        explorer("24 h + site: next page", day, events_match(day, end, SITE, least=100), site=SITE),
        ApiCase(
            "live list (/)",
            "/api/v1/events",
            [("limit", "50")],
            lambda answer: None if len(answer["events"]) == 50 else _short(answer),
        ),
        ApiCase(
            "alerts: by priority",
            "/api/v1/alerts",
            priority,
            alerts_match(None, ("minor", "major", "critical"), True, False),
        ),
        ApiCase(
            "alerts: priority + site + major",
            "/api/v1/alerts",
            [*priority, ("site", SITE), ("severity", "major")],
            alerts_match(SITE, all_severe, True, False),
        ),
        ApiCase(
            "alerts: resolved",
            "/api/v1/alerts",
            [("limit", "200"), ("state", "resolved"), ("order", "recent")],
            alerts_match(None, ("minor", "major", "critical"), False, True),
        ),
        ApiCase("alerts: rule rates", "/api/v1/alert-rules/rates", [("hours", "24")], rates_listed),
        ApiCase(
            "devices of a site",
            f"/api/v1/sites/{SITE}/devices",
            [],
            count_is(devices, "devices"),
        ),
        ApiCase(
            "occupancy, 24 h",
            f"/api/v1/sites/{SITE}/occupancy",
            [("since", _iso(day)), ("until", _iso(end))],
            count_is(zones * DAY_US // 300_000_000, "occupancy points"),
        ),
        ApiCase(
            "occupancy, 7 d",
            f"/api/v1/sites/{SITE}/occupancy",
            [("since", _iso(week)), ("until", _iso(end))],
            count_is(zones * 7 * DAY_US // 300_000_000, "occupancy points"),
        ),
    ]


def _short(answer: Answer) -> None:
    raise WrongAnswer(f"{len(answer['events'])} events in the live list, expected 50")


def time_case(client: httpx.Client, case: ApiCase, repeats: int) -> list[float]:
    """Seconds per answer, ``repeats`` times after two untimed calls; a next-page case
    asks for the first page each time and times the page after it."""
    seconds = []
    for attempt in range(repeats + 2):
        params = list(case.params)
        oldest = None
        if case.name.endswith("next page"):
            first, _ = fetch(client, case.path, params)
            if not first.get("next_cursor"):
                raise WrongAnswer("the first page gave no cursor")
            params.append(("cursor", first["next_cursor"]))
            oldest = first["events"][-1]["occurred_at"]
        answer, took = fetch(client, case.path, params)
        case.check(answer)
        if oldest is not None and answer["events"][0]["occurred_at"] > oldest:
            raise WrongAnswer("the next page is not older than the first")
        if attempt >= 2:
            seconds.append(took)
    return seconds


def fetch(client: httpx.Client, path: str, params: Params) -> tuple[Any, float]:
    """One answer and the seconds it took, asked no sooner than ``PACE_S`` after the one
    before: the server limits each operator to 30 requests a second
    (``rate_limit_user_per_s``), and the benchmark runs it as it ships."""
    global _last_request
    time.sleep(max(0.0, _last_request + PACE_S - time.perf_counter()))
    began = _last_request = time.perf_counter()
    answer = client.get(path, params=tuple(params))
    body = answer.json()
    took = time.perf_counter() - began
    if answer.status_code != 200:
        raise WrongAnswer(f"{path} {params} answered {answer.status_code}: {answer.text[:300]}")
    return body, took


def answer_figures(name: str, seconds: list[float]) -> list[Figure]:
    p95 = percentile(seconds, 0.95) * 1000
    return [
        Figure(f"{name} p50", percentile(seconds, 0.5) * 1000, "ms"),
        Figure(f"{name} p95", p95, "ms", f"<= {TARGET_ANSWER_MS:.0f} ms", p95 <= TARGET_ANSWER_MS),
    ]


# --- running it -----------------------------------------------------------------------------------
def run(events: int, repeats: int, loads: int, rebuild: bool) -> bool:
    folder, data = console_data.console_folder(events, rebuild)
    settings = load_settings(folder, port=free_port(), host=LOOPBACK)
    log = Path(tempfile.gettempdir()) / f"sitewarden-bench-console-{settings.port}.log"
    server = ServerProcess(settings, log)
    print(f"console: starting the server (log {log})")
    server.start(timeout_s=120)
    try:
        cookie = AdminSession(server.url, folder, data).sign_in()
        answers = time_answers(server.url, cookie, data, repeats)
        renders = console_pages.time_pages(server.url, cookie, data, loads)
    finally:
        server.stop()
    table = [Figure("events in database", data.events, ""), *answers]
    print_table(f"console API answers ({data.events:,} events, {repeats} each)", table)
    print_table(f"console first render in Chromium ({loads} loads each)", renders)
    return all(figure.met is not False for figure in (*table, *renders))


def time_answers(url: str, cookie: str, data: ConsoleData, repeats: int) -> list[Figure]:
    figures = []
    cookies = {"sitewarden_session": cookie}
    with httpx.Client(base_url=url, cookies=cookies, timeout=60) as client:
        for case in api_cases(data):
            seconds = time_case(client, case, repeats)
            figures += answer_figures(case.name, seconds)
            print(f"  {case.name}: p50 {figures[-2].value:.0f} ms", flush=True)
    return figures


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.console", description=__doc__)
    parser.add_argument("--events", type=int, default=10_000_000, help="events in the store")
    parser.add_argument("--repeats", type=int, default=30, help="timed calls of each answer")
    parser.add_argument("--loads", type=int, default=10, help="timed loads of each page")
    parser.add_argument("--rebuild", action="store_true", help="rebuild the cached data")
    parser.add_argument("--quick", action="store_true", help="200,000 events, 5 calls, 3 loads")
    args = parser.parse_args(argv)
    if args.quick:
        args.events, args.repeats, args.loads = 200_000, 5, 3
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    print_machine()
    try:
        met = run(args.events, args.repeats, args.loads, args.rebuild)
    except (WrongAnswer, RuntimeError) as exc:
        print(f"console: FAILED: {exc}")
        return 1
    if not met:
        print("console: a target was MISSED (figures above)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
