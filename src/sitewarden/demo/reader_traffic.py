"""People at the demo's access readers, and ordinary cameras sending snapshots.

Every pass asks the server: a badge as JSON or a face as a JPEG to
``/api/v1/readers/{device}/decide``; the server decides against the enrolled people,
rules and holidays and writes ``access.granted`` / ``access.denied``. Staff passes in
and out fill the attendance report. Now and then a lost badge, the barred resident
or someone too far from the camera is refused. The Building A lobby camera posts a
snapshot of its scene (with a person in it) to ``/api/v1/cameras/{device}/snapshots``; the server
blurs every face before it stores anything.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime
from enum import StrEnum

from PIL import Image

from sitewarden.demo import face_samples
from sitewarden.demo.access_setup import AccessPlan
from sitewarden.demo.device_calls import DeviceCalls
from sitewarden.demo.site import DEVICES
from sitewarden.events.device_kinds import DeviceKind

SNAPSHOT_CAMERA = "a-lobby-camera"  # the ordinary camera that posts snapshots


class Pass(StrEnum):
    """Who comes to a reader, with what."""

    STAFF_BADGE = "staff_badge"
    RESIDENT_BADGE = "resident_badge"
    FACE = "face"
    UNKNOWN_BADGE = "unknown_badge"  # lost, cloned or never issued
    BARRED_BADGE = "barred_badge"
    FACE_TOO_FAR = "face_too_far"  # the face is too small for the reader to decide


class ReaderTraffic:
    """Passes at the readers and snapshots from the cameras."""

    def __init__(
        self,
        plan: AccessPlan,
        calls: DeviceCalls,
        record: Callable[[str], None],
        rng: random.Random,
    ) -> None:
        self.plan = plan
        self._calls = calls
        self._record = record
        self._rng = rng
        self._readers = [d for d in DEVICES if d.kind is DeviceKind.ACCESS_READER]
        self._faces = {name: face_samples.portrait(name) for name in plan.faces}
        self._on_shift: set[str] = set()  # staff badges that came in and have not left

    def choose(self, local: datetime) -> Pass:
        """Mostly badges; staff by day, residents at all hours; a few refusals."""
        chance = self._rng.random()
        if chance < 0.04:
            return Pass.UNKNOWN_BADGE
        if chance < 0.05:
            return Pass.BARRED_BADGE
        if self._faces and chance < 0.25:
            return Pass.FACE_TOO_FAR if self._rng.random() < 0.15 else Pass.FACE
        staff_share = 0.4 if 7 <= local.hour < 20 else 0.1
        return Pass.STAFF_BADGE if self._rng.random() < staff_share else Pass.RESIDENT_BADGE

    def walk(self, who: Pass, local: datetime, direction: str | None = None) -> None:
        """One person at a reader, going ``direction`` (drawn by the hour if not given)."""
        readers = self._readers
        reader = self._rng.choices(readers, [3 if "gate" in r.zone_id else 1 for r in readers])[0]
        if direction is None:
            leaving = self._rng.random() < (0.65 if local.hour < 12 else 0.35)
            direction = "out" if leaving else "in"
        if who in (Pass.FACE, Pass.FACE_TOO_FAR) and self._faces:
            answer = self._calls.face(reader.device_id, self._face_frame(who), direction)
        else:
            badge = self._badge(who, direction)
            answer = self._calls.badge(reader.device_id, badge, direction)
            if answer is not None and answer["granted"] and who is Pass.STAFF_BADGE:
                (self._on_shift.add if direction == "in" else self._on_shift.discard)(badge)
        if answer is not None:
            self._record(f"reader {'granted' if answer['granted'] else answer['reason']}")

    def snapshot(self) -> None:
        """An ordinary camera's view with someone in it; the server blurs the face."""
        scene = Image.new("RGB", (1280, 720), (118, 126, 120))
        if self._faces:
            face = self._faces[self._rng.choice(sorted(self._faces))]
            height = self._rng.randint(180, 320)
            at = (self._rng.randint(0, 1280 - height), self._rng.randint(0, 720 - height))
            scene = face_samples.in_frame(face, (1280, 720), height, at=at)
        if self._calls.snapshot(SNAPSHOT_CAMERA, face_samples.encode(scene)) is not None:
            self._record("snapshot")

    def _badge(self, who: Pass, direction: str) -> str:
        if who is Pass.UNKNOWN_BADGE:
            return self._rng.choice(self.plan.unknown_badges)
        if who is Pass.BARRED_BADGE:
            return self.plan.barred_badge
        if who is Pass.RESIDENT_BADGE or not self.plan.staff_badges:
            return self._rng.choice(self.plan.resident_badges)
        # Staff on shift leave; the others arrive: attendance gets first in and last out.
        on_shift = sorted(self._on_shift)
        off_shift = [b for b in self.plan.staff_badges if b not in self._on_shift]
        pool = on_shift if direction == "out" and on_shift else off_shift or on_shift
        return self._rng.choice(pool)

    def _face_frame(self, who: Pass) -> bytes:
        face = self._faces[self._rng.choice(sorted(self._faces))]
        if who is Pass.FACE_TOO_FAR:
            return face_samples.encode(face_samples.in_frame(face, (640, 480), face_height=40))
        view = face_samples.augment(
            face,
            face_samples.Augmentation(
                rotation=self._rng.uniform(-5, 5), light=self._rng.uniform(0.8, 1.2)
            ),
        )
        return face_samples.encode(face_samples.in_frame(view, (640, 480), face_height=440))
