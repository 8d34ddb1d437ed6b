"""Cars at the demo garage, through the real gate path.

Each movement renders the car's plate into a lane camera's frame
(``demo/garage_frames.py``) and posts it to ``/api/v1/gates/{device}/frames``; the
server reads the plate, decides and keeps the session. Drivers who owe money pay at
the pay station before they leave; a few drive to the exit without paying (the gate
stays shut, ``parking.unpaid_exit``), then pay by phone at the barrier and are read
again. Now and then the barred car tries to get in (an alert) and a driver who lost
the ticket meets the lost-ticket fee. Without a CJK font the cameras send plate text
instead of frames.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sitewarden.demo.device_calls import DeviceCalls
from sitewarden.demo.garage_frames import Distortion, available_fonts, encode_jpeg, gate_frame
from sitewarden.demo.garage_setup import GaragePlan, lanes

log = logging.getLogger(__name__)


class GarageMove(StrEnum):
    """One thing a car does at the garage."""

    ENTER = "enter"
    LEAVE = "leave"  # pays first if it owes, or sometimes not
    BARRED = "barred"  # the deny-listed car tries to come in
    LOST_TICKET = "lost_ticket"  # a car at the exit that the system never saw come in


# Follow-ups: (seconds from now, what to do then).
FollowUp = tuple[float, Callable[[], None]]


@dataclass
class _Car:
    session_id: str | None
    pays: bool


class GarageTraffic:
    """The garage's cars; ``move`` performs one movement and returns its follow-ups."""

    def __init__(
        self,
        plan: GaragePlan,
        calls: DeviceCalls,
        record: Callable[[str], None],
        rng: random.Random,
        *,
        exit_delay_s: tuple[float, float],
        distort: bool,
    ) -> None:
        self.plan = plan
        self._calls = calls
        self._record = record
        self._rng = rng
        self._exit_delay_s = exit_delay_s
        self._distort = distort
        self._fonts = available_fonts()
        by_direction = {direction: device for device, direction in lanes().items()}
        self._entry, self._exit = by_direction["entry"], by_direction["exit"]
        self._inside: dict[str, _Car] = {}
        self._leaving: set[str] = set()  # paid, on the way to the exit
        self._frames = 0
        if not self._fonts:
            log.warning(
                "demo: no CJK font (fonts-noto-cjk), so the gate cameras send plate text, "
                "not frames; scripts/demo installs the font"
            )

    def choose(self, local: datetime) -> GarageMove:
        """What happens next: cars leave in the morning and come back in the evening."""
        chance = self._rng.random()
        if chance < 0.02:
            return GarageMove.BARRED
        if chance < 0.04:
            return GarageMove.LOST_TICKET
        leaving = 0.65 if local.hour < 12 else 0.35
        return GarageMove.LEAVE if self._rng.random() < leaving else GarageMove.ENTER

    def move(self, what: GarageMove) -> list[FollowUp]:
        if what is GarageMove.ENTER:
            return self._enter()
        if what is GarageMove.LEAVE:
            return self._leave()
        if what is GarageMove.BARRED:
            self._read(self._entry, self.plan.denied_plate)
            return []
        return self._lost_ticket()

    # --- movements -------------------------------------------------------------------
    def _enter(self) -> list[FollowUp]:
        outside = [p for p in self._known_plates() if not self._busy(p)]
        if not outside:
            return self._leave()
        plate = self._rng.choice(outside)
        answer = self._read(self._entry, plate)
        if answer is not None and answer["open"]:
            pays = plate in self.plan.paying_plates
            self._inside[plate] = _Car(answer["session_id"], pays)
        return []

    def _leave(self) -> list[FollowUp]:
        if not self._inside:
            return self._enter()
        plate = self._rng.choice(sorted(self._inside))
        car = self._inside.pop(plate)
        self._leaving.add(plate)
        if car.pays and car.session_id is not None and self._rng.random() < 0.8:
            if self._calls.pay(car.session_id, self.plan.currency):
                self._record("payment")
            return [(self._delay(), lambda: self._at_exit(plate, car))]
        self._at_exit(plate, car)
        return []

    def _lost_ticket(self) -> list[FollowUp]:
        strangers = [p for p in self.plan.paying_plates if not self._busy(p)]
        if not strangers:
            return []
        plate = self._rng.choice(strangers)
        self._leaving.add(plate)
        self._at_exit(plate, _Car(None, pays=True))
        return []

    def _at_exit(self, plate: str, car: _Car) -> None:
        """Read at the exit; if the gate stays shut for money, pay at the barrier, read again.

        A car the gate does not let out (a failed request, a payment that did not go
        through) stays inside and may try again later.
        """
        self._leaving.discard(plate)
        answer = self._read(self._exit, plate)
        if answer is not None and answer["reason"] in ("unpaid", "no_entry_record"):
            due, session_id = answer.get("due_minor") or 0, answer.get("session_id")
            answer = None
            if session_id and self._calls.pay(session_id, self.plan.currency, due):
                self._record("payment")
                answer = self._read(self._exit, plate)
        if answer is None or (not answer["open"] and answer["reason"] == "unpaid"):
            self._inside[plate] = car
        # Otherwise it left, or the gate needs a person (review queue, unreadable plate).

    # --- helpers ---------------------------------------------------------------------
    def _busy(self, plate: str) -> bool:
        """Inside the garage or on the way out."""
        return plate in self._inside or plate in self._leaving

    def _known_plates(self) -> list[str]:
        return [*self.plan.permit_plates, self.plan.allowed_plate, *self.plan.paying_plates]

    def _delay(self) -> float:
        return self._rng.uniform(*self._exit_delay_s)

    def _read(self, device_id: str, plate: str) -> dict[str, Any] | None:
        """The lane camera sees ``plate``: a rendered frame (or its text) to the gate API."""
        if self._fonts:
            answer = self._calls.gate_frame(device_id, self._frame(plate))
        else:
            answer = self._calls.gate_read(device_id, plate)
        if answer is not None:
            lane = "entry" if device_id == self._entry else "exit"
            self._record(f"gate {lane} {answer['reason']}")
        return answer

    def _frame(self, plate: str) -> bytes:
        self._frames += 1
        style = "green" if len(plate) == 9 else "blue"
        font = self._fonts[self._frames % len(self._fonts)] if self._distort else self._fonts[0]
        distortion = Distortion()
        if self._distort:
            distortion = Distortion(
                angle=self._rng.uniform(-3, 3),
                skew=self._rng.uniform(0, 0.08),
                blur=self._rng.choice((0.0, 0.0, 0.8)),
                noise=self._rng.choice((0.0, 4.0)),
            )
        image = gate_frame(plate, style, font, distortion, seed=self._frames)
        return encode_jpeg(image)
