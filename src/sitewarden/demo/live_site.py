"""The demo's garage and doors, live: cars at the gates, people at the readers, snapshots.

Unlike the ingest traffic (``demo/simulator.py``), these go through the server's own
decision paths (gate frames, reader decisions, payments, camera snapshots), so they
run at their own, modest pace in one thread: a frame read costs the server a few
hundred milliseconds of CPU. :data:`NORMAL` is the demo's pace; :data:`FAST` is for
tests only: everything more often, at the peak's pace whatever the site's hour (a test
run in the site's night would otherwise wait many seconds for its next car), and one
of each case (a paid stay, an unpaid exit, the barred car, a lost ticket, staff in and
out, a refused badge, a face, a snapshot) played first so that a short run shows them
all.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sitewarden.demo.access_setup import AccessPlan, configure_access
from sitewarden.demo.admin_api import AdminApi
from sitewarden.demo.device_calls import DeviceCalls
from sitewarden.demo.garage_setup import GaragePlan, configure_garage
from sitewarden.demo.garage_traffic import GarageMove, GarageTraffic
from sitewarden.demo.people import make_population
from sitewarden.demo.reader_traffic import Pass, ReaderTraffic
from sitewarden.demo.site import POPULATION_SEED, SITE_TIMEZONE

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LivePace:
    """How often things happen at the busiest hour (quiet hours are slower)."""

    car_every_s: float
    pass_every_s: float
    snapshot_every_s: float
    exit_after_payment_s: tuple[float, float]
    opening_act: bool  # play one of each case first
    quietest: float  # the least of the busiest hour's pace that quiet hours keep

    def busyness(self, activity: float) -> float:
        """The share of the busiest hour's pace kept at a time of ``activity`` (0 to 1)."""
        return max(activity, self.quietest)


NORMAL = LivePace(
    car_every_s=8.0, pass_every_s=3.0, snapshot_every_s=90.0,
    exit_after_payment_s=(20.0, 120.0), opening_act=False, quietest=0.15,
)  # fmt: skip
FAST = LivePace(
    car_every_s=2.0, pass_every_s=0.7, snapshot_every_s=8.0,
    exit_after_payment_s=(0.5, 1.5), opening_act=True, quietest=1.0,
)  # fmt: skip


@dataclass(frozen=True)
class LivePlans:
    garage: GaragePlan
    access: AccessPlan


def configure_live_site(admin: AdminApi) -> LivePlans:
    """Set up access control and the garage through the API; what the simulator needs."""
    population = make_population(POPULATION_SEED)
    access = configure_access(admin, population)
    garage = configure_garage(admin, population, access.person_ids)
    return LivePlans(garage, access)


class LiveSite:
    """Runs the garage and the readers until stopped; failures are logged, never fatal."""

    def __init__(
        self,
        plans: LivePlans,
        calls: DeviceCalls,
        record: Callable[[str], None],
        activity: Callable[[datetime], float],
        *,
        pace: LivePace = NORMAL,
        seed: int = 0,
    ) -> None:
        self.pace = pace
        self._rng = random.Random(seed)
        self._activity = activity
        self._zone = ZoneInfo(SITE_TIMEZONE)
        self.garage = GarageTraffic(
            plans.garage,
            calls,
            record,
            self._rng,
            exit_delay_s=pace.exit_after_payment_s,
            distort=not pace.opening_act,
        )
        self.readers = ReaderTraffic(plans.access, calls, record, self._rng)
        self._queue: list[tuple[float, int, Callable[[], None]]] = []
        self._order = itertools.count()

    def run(self, stop: threading.Event) -> None:
        """Until ``stop``: each step when due, one at a time."""
        now = time.monotonic()
        if self.pace.opening_act:
            self._opening_act(now)
        self._at(now + self._rng.uniform(0, 2), self._next_car)
        self._at(now + self._rng.uniform(0, 1), self._next_pass)
        self._at(now + self._rng.uniform(1, 5), self._next_snapshot)
        while not stop.is_set():
            due, _, step = self._queue[0]
            wait = due - time.monotonic()
            if wait > 0:
                stop.wait(min(wait, 0.5))
                continue
            heapq.heappop(self._queue)
            try:
                step()
            except Exception:  # a bug in one step must not end the demo's traffic
                log.exception("simulator: a garage or reader step failed; carrying on")

    def _at(self, when: float, step: Callable[[], None]) -> None:
        heapq.heappush(self._queue, (when, next(self._order), step))

    def _after(self, seconds: float, scale: float = 1.0) -> float:
        """The next moment, about ``seconds`` from now at the busiest hour."""
        return time.monotonic() + self._rng.expovariate(1 / seconds) / scale

    def _busy(self) -> tuple[datetime, float]:
        local = datetime.now(UTC).astimezone(self._zone)
        return local, self.pace.busyness(self._activity(local))

    # Each recurring step books its next turn first, so that one that fails still recurs.
    def _next_car(self) -> None:
        local, busy = self._busy()
        self._at(self._after(self.pace.car_every_s, busy), self._next_car)
        self._follow(self.garage.move(self.garage.choose(local)))

    def _next_pass(self) -> None:
        local, busy = self._busy()
        self._at(self._after(self.pace.pass_every_s, busy), self._next_pass)
        self.readers.walk(self.readers.choose(local), local)

    def _next_snapshot(self) -> None:
        self._at(self._after(self.pace.snapshot_every_s), self._next_snapshot)
        self.readers.snapshot()

    def _follow(self, follow_ups: list[tuple[float, Callable[[], None]]]) -> None:
        for delay, step in follow_ups:
            self._at(time.monotonic() + delay, step)

    def _opening_act(self, now: float) -> None:
        """One of every case, in an order that makes each possible, a moment apart."""
        local = datetime.now(UTC).astimezone(self._zone)
        garage = self.garage
        steps: list[Callable[[], None]] = [
            lambda: self._follow(garage.move(GarageMove.ENTER)),
            lambda: self.readers.walk(Pass.STAFF_BADGE, local, "in"),
            lambda: self._follow(garage.move(GarageMove.BARRED)),
            lambda: self.readers.walk(Pass.UNKNOWN_BADGE, local),
            lambda: self._follow(garage.move(GarageMove.LOST_TICKET)),
            lambda: self.readers.walk(Pass.BARRED_BADGE, local),
            lambda: self.readers.walk(Pass.FACE, local, "in"),
            lambda: self.readers.snapshot(),
            lambda: self._follow(garage.move(GarageMove.LEAVE)),
            lambda: self.readers.walk(Pass.STAFF_BADGE, local, "out"),
        ]
        for offset, step in enumerate(steps):
            self._at(now + 0.1 * offset, step)
