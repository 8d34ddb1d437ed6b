"""Reader decisions: a badge or a face at a door, granted or denied with a reason.

Every decision becomes an ``access.granted`` or ``access.denied`` event that takes the
normal sealed write path (vault, then the group-commit writer, with alert rules):
an enrolled person's events carry ``person_ref`` and are sealed under their data
key; a barred person's denial carries ``reason='barred'``, which the default
'barred-person' rule turns into a critical alert. The reader's image is never stored.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from PIL import Image

from sitewarden.access.data import AccessData
from sitewarden.access.face_learning import learn_from_frame
from sitewarden.access.gallery import Galleries
from sitewarden.access.groups import person_groups
from sitewarden.access.people import People
from sitewarden.access.records import Person
from sitewarden.access.schedule import evaluate_rules, person_verdict
from sitewarden.errors import InvalidInput, NotFound, PermissionDenied
from sitewarden.events.device_kinds import DeviceKind
from sitewarden.events.ids import EventIdFactory
from sitewarden.events.kinds import KINDS
from sitewarden.events.model import Event
from sitewarden.intake.service import Intake
from sitewarden.privacy.consent import active_consent
from sitewarden.privacy.masking import mask_name, mask_tail
from sitewarden.registry.records import Sender
from sitewarden.vision.faces import FaceEngine

DIRECTIONS = ("in", "out")


@dataclass(frozen=True, slots=True)
class Reader:
    site_id: str
    device_id: str
    zone_id: str | None
    door: str
    timezone: str


@dataclass(frozen=True, slots=True)
class Decision:
    granted: bool
    reason: str
    credential: str
    direction: str
    site_id: str
    device_id: str
    zone_id: str | None
    event_id: str
    person_ref: str | None = None  # masked: the tail of the person's id
    person_name: str | None = None  # masked: 'W* F**'
    rule_id: str | None = None
    faces: int | None = None
    note: str | None = None
    distance: float | None = None
    elapsed_ms: float | None = None
    person_id: str | None = None  # for the server only (sealing a kept image); never shown
    face_learning: str | None = None  # a badge with a frame: learned, or why not

    def as_command(self) -> dict[str, Any]:
        """What the door controller is told (no name: commands carry no personal fields)."""
        return {
            "command": "open" if self.granted else "deny",
            "reason": self.reason,
            "direction": self.direction,
            "credential": self.credential,
            "event_id": self.event_id,
            "at": datetime.now(UTC).isoformat(),
        }


@dataclass(frozen=True)
class FaceSettings:
    threshold: float
    margin: float
    learning: bool = False  # keep frames of people let in by badge (face_learning.py)


class AccessDesk:
    """Decides at readers and writes the events. One per app."""

    def __init__(
        self,
        data: AccessData,
        people: People,
        galleries: Galleries,
        engine: FaceEngine,
        intake: Intake,
        ids: EventIdFactory,
        faces: FaceSettings,
    ) -> None:
        self.data = data
        self.people = people
        self.galleries = galleries
        self.engine = engine
        self.intake = intake
        self.ids = ids
        self.faces = faces
        # Told every decision (the MQTT command publisher tells the reader's door).
        self.listeners: list[Callable[[Decision], None]] = []

    # --- readers -----------------------------------------------------------------------
    def reader_for(self, sender: Sender, device_id: str) -> Reader:
        """The reader a device token may decide for: itself, or any of a gateway's site."""
        device = self.data.registry.get_device(sender.site_id, device_id)
        if device is None:
            raise NotFound(f"reader {device_id!r} not found in site {sender.site_id!r}")
        if device_id != sender.device_id and sender.kind is not DeviceKind.GATEWAY:
            raise PermissionDenied(
                f"device {sender.device_id!r} may ask only for itself, not {device_id!r} "
                "(only gateways relay for other devices)"
            )
        if device.kind is not DeviceKind.ACCESS_READER:
            raise PermissionDenied(
                f"device {device_id!r} is a {device.kind.value}, not an access_reader; "
                "only access readers ask for access decisions"
            )
        site = self.data.registry.get_site(sender.site_id)
        assert site is not None
        return Reader(site.site_id, device_id, device.zone_id, device.name, site.timezone)

    # --- decisions ---------------------------------------------------------------------
    def decide_badge(
        self,
        reader: Reader,
        badge_value: str,
        direction: str = "in",
        learn: Callable[[Person], str] | None = None,
    ) -> Decision:
        """``learn``: told the person a grant lets in, before the event is written (its
        outcome goes into the event and the answer: ``decide_badge_with_frame``)."""
        _check_direction(direction)
        now = datetime.now(UTC)
        badge = self.people.find_badge(reader.site_id, badge_value)
        person = (
            None if badge is None else self.data.access.get_person(reader.site_id, badge.person_id)
        )
        personal: dict[str, Any] = {"badge_id": badge_value.strip()[:128]}
        if badge is None or person is None:
            refusal: str | None = "not_enrolled"
            person = None
        else:
            refusal = "revoked" if badge.revoked_at is not None else None
        return self._decide(reader, "badge", direction, now, person, refusal, personal, learn=learn)

    def decide_badge_with_frame(
        self, reader: Reader, badge_value: str, frame: Image.Image, direction: str = "in"
    ) -> Decision:
        """A badge decision; when it lets the person in, the reader's ``frame`` may teach
        the gallery their face (``face_learning.py``). The frame is never stored."""

        def learn(person: Person) -> str:
            if not self.faces.learning:
                return "off"
            return learn_from_frame(
                self.galleries,
                self.data.consents,
                self.engine,
                reader.site_id,
                person.person_id,
                frame,
                self.faces.threshold,
                self.faces.margin,
            )

        return self.decide_badge(reader, badge_value, direction, learn)

    def decide_face(self, reader: Reader, image: Image.Image, direction: str = "in") -> Decision:
        _check_direction(direction)
        started = time.perf_counter()
        reading = self.engine.read_door_frame(image)
        now = datetime.now(UTC)
        extra: dict[str, Any] = {"faces": reading.faces, "note": reading.note}
        if reading.embedding is None:
            reason = reading.problem or "no_clear_face"
            return self._decide(reader, "face", direction, now, None, reason, None, started, extra)
        gallery = self.galleries.for_site(reader.site_id)
        match = gallery.match(reading.embedding, self.faces.threshold, self.faces.margin)
        extra["distance"] = round(match.distance, 4) if match.distance != float("inf") else None
        person = None
        if match.owner is not None:
            person = self.data.access.get_person(reader.site_id, match.owner)
        if person is None:
            reason = match.reason or "not_enrolled"
            return self._decide(reader, "face", direction, now, None, reason, None, started, extra)
        if active_consent(self.data.consents, reader.site_id, person.subject_id, "access") is None:
            return self._decide(
                reader, "face", direction, now, person, "no_consent", None, started, extra
            )
        return self._decide(reader, "face", direction, now, person, None, None, started, extra)

    def _decide(
        self,
        reader: Reader,
        credential: str,
        direction: str,
        now: datetime,
        person: Person | None,
        refusal: str | None,
        personal: dict[str, Any] | None,
        started: float | None = None,
        extra: dict[str, Any] | None = None,
        learn: Callable[[Person], str] | None = None,
    ) -> Decision:
        rule_id = None
        display = None
        if person is not None:
            # A barred person is always denied as barred, so the alert fires whatever else.
            verdict_of_person = person_verdict(person, now)
            refusal = "barred" if verdict_of_person == "barred" else refusal or verdict_of_person
            if refusal is None:
                verdict = evaluate_rules(
                    self.data.access.list_access_rules(reader.site_id),
                    person_groups(
                        person, self.data.groups.groups_of(reader.site_id, person.person_id)
                    ),
                    reader.zone_id,
                    now,
                    reader.timezone,
                    frozenset(h.day for h in self.data.access.list_holidays(reader.site_id)),
                )
                rule_id = verdict.rule_id
                refusal = None if verdict.granted else verdict.reason
            details = self.people.details(person)
            if details is not None:
                display = details.name
                personal = {**(personal or {}), "person_name": details.name}
        granted = refusal is None
        reason = "granted" if granted else str(refusal)
        extra = extra or {}
        learned = None
        if learn is not None:
            learned = learn(person) if granted and person is not None else "not_granted"
        event = self._event(reader, credential, direction, now, person, reason, personal, learned)
        self.intake.take([event])
        decision = Decision(
            granted=granted,
            reason=reason,
            credential=credential,
            direction=direction,
            site_id=reader.site_id,
            device_id=reader.device_id,
            zone_id=reader.zone_id,
            event_id=str(event.id),
            person_ref=None if person is None else mask_tail(person.person_id, 4),
            person_name=None if display is None else mask_name(display),
            rule_id=rule_id,
            faces=extra.get("faces"),
            note=extra.get("note"),
            distance=extra.get("distance"),
            elapsed_ms=None if started is None else (time.perf_counter() - started) * 1000,
            person_id=None if person is None else person.person_id,
            face_learning=learned,
        )
        for listener in self.listeners:
            listener(decision)
        return decision

    def _event(
        self,
        reader: Reader,
        credential: str,
        direction: str,
        now: datetime,
        person: Person | None,
        reason: str,
        personal: dict[str, Any] | None,
        learned: str | None = None,
    ) -> Event:
        kind = "access.granted" if reason == "granted" else "access.denied"
        attributes: dict[str, Any] = {
            "credential": credential,
            "direction": direction,
            "door": reader.door[:200] or reader.device_id,
        }
        if person is not None:
            attributes["person_ref"] = person.person_id
        if reason != "granted":
            attributes["reason"] = reason
        if learned is not None:
            attributes["face_learning"] = learned
        event = Event(
            id=self.ids.new(),
            site_id=reader.site_id,
            zone_id=reader.zone_id,
            device_id=reader.device_id,
            kind=kind,
            severity=KINDS[kind].severity,
            occurred_at=now,
            received_at=now,
            attributes=attributes,
            personal=personal or None,
            note=None,
        )
        # The intake seals it under the person's key (person_ref) or, for strangers, their
        # badge's subject.
        return event


def _check_direction(direction: str) -> None:
    if direction not in DIRECTIONS:
        raise InvalidInput(f"direction must be 'in' or 'out', not {direction!r}")
