"""First render of each console page in headless Chromium, signed in: from navigation
start to the first data row (or chart) visible. Part of ``bench/console.py``.

Each load is a fresh browser context (no cache, no open connections), as an operator
opening the page; one untimed load of each page goes first. A page whose route does
not exist (yet) is skipped with a note, so the benchmark keeps working as pages come.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import httpx
from playwright.sync_api import Browser, sync_playwright
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from bench.common import Figure, percentile
from bench.console_data import ConsoleData
from bench.search import DAY_US
from sitewarden.events.model import from_micros

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]  # fmt: skip  (as tests/test_web.py launches it)
TARGET_RENDER_MS = 1000.0
SITE_ZONE = "Asia/Shanghai"  # every bench site's timezone (bench/common.py register_site)
# What a page shows once its data is in (not a chart's empty canvas, which the templates
# hold from the start); a page added later without its own: a table row in main.
ANY_DATA = "main tbody tr"
LOAD_TIMEOUT_MS = 30_000
PAUSE_S = 0.5

# Resolves with performance.now() (ms since navigation start) once a match is visible.
FIRST_VISIBLE = """(selector) => {
  for (const el of document.querySelectorAll(selector)) {
    if (el.checkVisibility()) return performance.now();
  }
  return null;
}"""


@dataclass(frozen=True)
class ConsolePage:
    name: str
    path: str
    ready: str  # CSS selector of the first data visible


def console_pages(data: ConsoleData) -> list[ConsolePage]:
    """The console's pages; the explorer shows the data's last 24 hours (a custom range,
    since the data ends at the cache's build day, not now)."""
    explorer = urlencode(
        {
            "range": "custom",
            "from": wall_clock(data.end_us - DAY_US),
            "until": wall_clock(data.end_us),
        }
    )
    return [
        ConsolePage("live events (/)", "/", "#events tr"),
        ConsolePage("event explorer (/events, 24 h)", "/events?" + explorer, "#ex-rows tr"),
        ConsolePage("alarm console (/alerts)", "/alerts", "#alerts tr"),
        ConsolePage("devices (/devices)", "/devices", "#devices tr"),
        # the overview's first table, or its note that there is no occupancy now
        ConsolePage("overview (/overview)", "/overview", "#occupancy-now tr, #occupancy-empty"),
        ConsolePage("site plan (/plan)", "/plan", "#plan-holder svg"),
        ConsolePage(
            "device (/devices/site-1/reader-01)",
            "/devices/site-1/reader-01",
            "#device-events tbody tr",
        ),
    ]


def wall_clock(micros: int) -> str:
    """A moment as the explorer's custom range fields take it: the sites' wall clock."""
    moment = from_micros(micros).astimezone(ZoneInfo(SITE_ZONE))
    return moment.strftime("%Y-%m-%dT%H:%M:%S")


def route_exists(url: str, cookie: str, path: str) -> bool:
    answer = httpx.get(url + path, cookies={"sitewarden_session": cookie}, timeout=60)
    return answer.status_code != 404


def first_render_ms(browser: Browser, url: str, cookie: str, page: ConsolePage) -> float:
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    try:
        context.add_cookies([{"name": "sitewarden_session", "value": cookie, "url": url}])
        tab = context.new_page()
        tab.goto(url + page.path, wait_until="commit")
        shown = tab.wait_for_function(
            FIRST_VISIBLE, arg=page.ready, polling="raf", timeout=LOAD_TIMEOUT_MS
        )
        return float(shown.json_value())
    finally:
        context.close()


def time_pages(url: str, cookie: str, data: ConsoleData, loads: int) -> list[Figure]:
    if not Path(CHROMIUM).exists():
        raise RuntimeError(f"{CHROMIUM} is not installed (apt-get install chromium)")
    figures: list[Figure] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        try:
            for page in console_pages(data):
                if not route_exists(url, cookie, page.path):
                    print(f"  {page.name}: no such page in this tree, skipped")
                    continue
                try:
                    first_render_ms(browser, url, cookie, page)  # untimed
                    times = []
                    for _ in range(loads):
                        time.sleep(PAUSE_S)  # under the server's requests-a-second limit
                        times.append(first_render_ms(browser, url, cookie, page))
                except PlaywrightTimeout:
                    print(f"  {page.name}: no {page.ready!r} within {LOAD_TIMEOUT_MS} ms")
                    figures.append(Figure(f"{page.name}: nothing shown", 0, "", "shown", False))
                    continue
                p95 = percentile(times, 0.95)
                figures += [
                    Figure(f"{page.name} median", percentile(times, 0.5), "ms"),
                    Figure(
                        f"{page.name} p95",
                        p95,
                        "ms",
                        f"<= {TARGET_RENDER_MS:.0f} ms",
                        p95 <= TARGET_RENDER_MS,
                    ),
                ]
                print(f"  {page.name}: median {figures[-2].value:.0f} ms", flush=True)
        finally:
            browser.close()
    return figures
