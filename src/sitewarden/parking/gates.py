"""Gate decisions: a plate read at a lane opens the barrier or keeps it shut, and why.

Entry: a deny-listed vehicle stays out (``parking.denied``, reason ``deny_list``, which
the ``barred-vehicle`` rule turns into an alert); a full garage admits only permit and
allow-list holders; everyone else gets a session. Exit: permit and allow-list holders
leave; others leave once the fee is paid (within the grace period after paying),
otherwise the gate stays shut and ``parking.unpaid_exit`` is raised.

Every decision is answered at once and its event is sealed and committed through the
event writer first, so it is durable and its alert fires. Repeated reads of one car at
one lane within the site's window are one read. See docs/parking.md for the edge cases.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from sitewarden.errors import InvalidInput, NotFound
from sitewarden.events.ids import EventIdFactory
from sitewarden.events.kinds import KINDS
from sitewarden.events.model import Event
from sitewarden.ingest.writer import EventWriter
from sitewarden.parking.records import (
    GateRead,
    Lane,
    ListEntry,
    ParkingSession,
    Permit,
    PlateSettings,
    ReviewItem,
)
from sitewarden.parking.storage import ExitSettlement, SessionQuery
from sitewarden.parking.tariffs import Tariff, parking_fee
from sitewarden.privacy.vault import Vault
from sitewarden.store import Storage
from sitewarden.vision.plate_formats import PlateFormat, PlateMatch, match_plate, resolve_formats

NO_CURRENCY = "XXX"  # ISO 4217 "no currency": a garage without a tariff is free
FREE = Tariff(currency=NO_CURRENCY, hourly_minor=0)
SKEW_LIMIT = timedelta(minutes=5)


@dataclass(frozen=True, slots=True)
class GateDecision:
    """What a lane is told, and what the API shows (the plate masked for the caller)."""

    open: bool
    reason: str
    direction: str
    site_id: str
    device_id: str
    zone_id: str
    plate: PlateMatch | None = None
    session_id: str | None = None
    fee_minor: int | None = None
    due_minor: int | None = None
    currency: str | None = None
    duplicate: bool = False
    review_id: str | None = None
    event_id: str | None = None
    detail: str | None = None
    voided_sessions: tuple[str, ...] = field(default=())


def _active(valid_from: datetime | None, valid_until: datetime | None, at: datetime) -> bool:
    return (valid_from is None or valid_from <= at) and (valid_until is None or at < valid_until)


class ParkingGates:
    """Decides at gates; one per process, shared by all requests (thread-safe)."""

    def __init__(
        self,
        store: Storage,
        vault: Vault,
        writer: EventWriter[Any, Any],
        ids: EventIdFactory,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.store = store
        self.vault = vault
        self.writer = writer
        self.ids = ids
        self.clock = clock or (lambda: datetime.now(UTC))
        self._lanes_lock = threading.Lock()
        self._lane_locks: dict[tuple[str, str], threading.Lock] = {}
        # Told every decision (the MQTT command publisher tells the lane's barrier).
        self.listeners: list[Callable[[GateDecision], None]] = []

    def _told(self, decision: GateDecision) -> GateDecision:
        for listener in self.listeners:
            listener(decision)
        return decision

    # --- configuration read on each decision ----------------------------------------
    def plate_settings(self, site_id: str) -> PlateSettings:
        return self.store.parking_config.get_plate_settings(site_id) or PlateSettings(site_id)

    def formats(self, site_id: str) -> list[PlateFormat]:
        settings = self.plate_settings(site_id)
        return resolve_formats(settings.formats, settings.custom_formats)

    def lane_of(self, site_id: str, device_id: str) -> Lane:
        lane = self.store.parking_config.get_lane(site_id, device_id)
        if lane is None:
            raise InvalidInput(
                f"plate camera {device_id!r} is not configured as a lane: an administrator "
                f"sets it with PUT /api/v1/parking/sites/{site_id}/lanes/{device_id}"
            )
        return lane

    def tariff(self, site_id: str, zone_id: str) -> Tariff:
        stored = self.store.parking_config.get_tariff(site_id, zone_id)
        return FREE if stored is None else stored.tariff

    def _lane_lock(self, site_id: str, device_id: str) -> threading.Lock:
        with self._lanes_lock:
            return self._lane_locks.setdefault((site_id, device_id), threading.Lock())

    # --- the decision -----------------------------------------------------------------
    def decide_read(
        self,
        lane: Lane,
        text: str,
        confidence: float | None,
        device_time: datetime | None = None,
    ) -> GateDecision:
        """Decide on one read at ``lane``; no plate format fits -> ``no_plate``, no guess."""
        settings = self.plate_settings(lane.site_id)
        formats = resolve_formats(settings.formats, settings.custom_formats)
        match = match_plate(text, formats)
        base = _base(lane)
        if match is None:
            names = ", ".join(f.name for f in formats)
            return self._told(
                GateDecision(
                    **base,
                    open=False,
                    reason="no_plate",
                    detail=f"the read fits none of this site's plate formats ({names})",
                )
            )
        if confidence is not None and confidence < settings.review_below:
            return self.unsure_read(lane, match, confidence, None)
        return self.decide_plate(lane, match, device_time)

    def decide_frame_read(
        self, lane: Lane, plate: PlateMatch, confidence: float, doubt: str | None
    ) -> GateDecision:
        """Decide on a plate the reader found in a frame: a sure read (no ``doubt``, and
        confidence at or over the site's ``review_below``) is acted on; any other follows
        the site's policy for unsure reads. Never a wrong plate silently."""
        if doubt is None and confidence >= self.plate_settings(lane.site_id).review_below:
            return self.decide_plate(lane, plate)
        return self.unsure_read(lane, plate, confidence, doubt)

    def unsure_read(
        self, lane: Lane, plate: PlateMatch, confidence: float, doubt: str | None
    ) -> GateDecision:
        """An unsure read goes to the review queue; an entry lane of a site whose policy
        is ``admit`` lets the car in meanwhile (no session yet: the confirmed plate starts
        it). Exits always hold: a fee is never settled against a guessed plate."""
        admit = lane.direction == "entry" and (
            self.plate_settings(lane.site_id).unsure_reads == "admit"
        )
        reason = "unsure_read" if doubt is not None else "low_confidence"
        return self.queue_review(lane, plate, confidence, reason, doubt, admit)

    def decide_plate(
        self, lane: Lane, plate: PlateMatch, device_time: datetime | None = None
    ) -> GateDecision:
        """Open or not for ``plate`` at ``lane``; listeners are told the decision."""
        return self._told(self._decide_plate(lane, plate, device_time))

    def _decide_plate(
        self, lane: Lane, plate: PlateMatch, device_time: datetime | None
    ) -> GateDecision:
        now = self.clock()
        subject = self.vault.subject_for(lane.site_id, "plate", "vehicle", plate.compact)
        window = timedelta(seconds=self.plate_settings(lane.site_id).duplicate_window_s)
        with self._lane_lock(lane.site_id, lane.device_id):
            last = self.store.parking.last_gate_read(lane.site_id, lane.device_id, subject)
            recent = last if last is not None and timedelta(0) <= now - last.at <= window else None
            if recent is not None and recent.opened:
                return GateDecision(
                    **_base(lane),
                    open=True,
                    reason=recent.reason,
                    plate=plate,
                    session_id=recent.session_id,
                    duplicate=True,
                )
            occurred = device_time if device_time and _within_skew(device_time, now) else now
            if lane.direction == "entry":
                decision, event = self._entry(lane, plate, subject, now, occurred)
            else:
                decision, event = self._exit(lane, plate, subject, now, occurred)
            repeated = recent is not None and recent.reason == decision.reason
            if event is not None and not repeated:
                self._emit(event)
                decision = _with(decision, event_id=str(event.id))
            elif repeated:
                decision = _with(decision, duplicate=True)
            self.store.parking.record_gate_read(
                GateRead(
                    lane.site_id,
                    lane.device_id,
                    subject,
                    now,
                    decision.open,
                    decision.reason,
                    decision.session_id,
                )
            )
        return decision

    # --- entry and exit ---------------------------------------------------------------
    def _entry(
        self, lane: Lane, plate: PlateMatch, subject: str, now: datetime, occurred: datetime
    ) -> tuple[GateDecision, Event | None]:
        base = _base(lane)
        deny, allow, permit = self._standing(lane, subject, now)
        tariff = self.tariff(lane.site_id, lane.zone_id)
        if deny is not None:
            event = self._event("parking.denied", lane, plate, occurred, now, reason="deny_list")
            return GateDecision(
                **base, open=False, reason="deny_list", plate=plate, detail=deny.reason
            ), event
        passes = "permit" if permit is not None else "allow_list" if allow is not None else None
        if passes is None and self._full(lane):
            event = self._event("parking.denied", lane, plate, occurred, now, reason="full")
            return GateDecision(**base, open=False, reason="full", plate=plate), event
        event_id = self.ids.new()
        session = ParkingSession(
            site_id=lane.site_id,
            session_id=str(self.ids.new()),
            zone_id=lane.zone_id,
            subject_id=subject,
            state="open",
            entry_at=now,
            entry_device=lane.device_id,
            currency=tariff.currency,
            permit_id=None if permit is None else permit.permit_id,
            closed_reason=passes,  # how it came in, until it is closed
            entry_event_id=str(event_id),
        )
        voided = self.store.parking.start_session(session, "entered_again")
        reason = passes or "ticketless"
        event = self._event(
            "parking.entry",
            lane,
            plate,
            occurred,
            now,
            session_id=session.session_id,
            reason=reason,
            currency=tariff.currency,
            event_id=event_id,
        )
        return GateDecision(
            **base,
            open=True,
            reason=reason,
            plate=plate,
            session_id=session.session_id,
            currency=tariff.currency,
            voided_sessions=tuple(voided),
        ), event

    def _exit(
        self, lane: Lane, plate: PlateMatch, subject: str, now: datetime, occurred: datetime
    ) -> tuple[GateDecision, Event | None]:
        base = _base(lane)
        deny, allow, permit = self._standing(lane, subject, now)
        tariff = self.tariff(lane.site_id, lane.zone_id)
        if deny is not None:
            event = self._event("parking.denied", lane, plate, occurred, now, reason="deny_list")
            return GateDecision(
                **base, open=False, reason="deny_list", plate=plate, detail=deny.reason
            ), event
        free_pass = "permit" if permit is not None else "allow_list" if allow is not None else None
        session = self.store.parking.open_session_of(lane.site_id, lane.zone_id, subject)
        if session is None and self._just_left(lane, subject, now):
            return GateDecision(
                **base,
                open=False,
                reason="already_exited",
                plate=plate,
                detail="this vehicle's stay was closed by another exit a moment ago",
            ), None
        if session is None:
            session = self._no_entry_session(lane, subject, tariff, now, free_pass)
            if session is None:
                reason = free_pass or "no_entry_record"
                event = self._event("parking.exit", lane, plate, occurred, now, reason=reason)
                return GateDecision(**base, open=True, reason=reason, plate=plate), event
        site = self.store.registry.get_site(lane.site_id)
        timezone = site.timezone if site is not None else "UTC"

        def settle(current: ParkingSession) -> ExitSettlement:
            return settle_exit(current, tariff, timezone, now, free_pass)

        settled = self.store.parking.settle_exit(
            lane.site_id, session.session_id, now, lane.device_id, settle
        )
        if settled is None:  # another lane closed this stay a moment ago
            return GateDecision(
                **base,
                open=False,
                reason="already_exited",
                plate=plate,
                session_id=session.session_id,
                detail="this stay was closed by another exit read just now",
            ), None
        closed, result = settled
        money: dict[str, Any] = {
            "fee_minor": result.fee_minor,
            "currency": closed.currency,
            "session_id": closed.session_id,
        }
        if result.close:
            event = self._event(
                "parking.exit", lane, plate, occurred, now, reason=result.reason, **money
            )
            return GateDecision(
                **base, open=True, reason=result.reason, plate=plate, due_minor=0, **money
            ), event
        event = self._event(
            "parking.unpaid_exit",
            lane,
            plate,
            occurred,
            now,
            reason=result.reason,
            session_id=closed.session_id,
            fee_minor=result.due_minor,
            currency=closed.currency,
        )
        return GateDecision(
            **base,
            open=False,
            reason=result.reason,
            plate=plate,
            due_minor=result.due_minor,
            **money,
        ), event

    def _just_left(self, lane: Lane, subject: str, now: datetime) -> bool:
        """Did another lane close this vehicle's stay within the duplicate window?"""
        window = timedelta(seconds=max(self.plate_settings(lane.site_id).duplicate_window_s, 1))
        latest = self.store.parking.find_sessions(
            SessionQuery(lane.site_id, lane.zone_id, (subject,), "closed", limit=1)
        )
        left = latest[0].exit_at if latest else None
        return left is not None and timedelta(0) <= now - left <= window

    def _no_entry_session(
        self, lane: Lane, subject: str, tariff: Tariff, now: datetime, free_pass: str | None
    ) -> ParkingSession | None:
        """Exit without an entry: the lost-ticket rule opens a session to pay, if it costs."""
        if free_pass is not None or tariff.lost_ticket_minor == 0:
            return None
        session = ParkingSession(
            site_id=lane.site_id,
            session_id=str(self.ids.new()),
            zone_id=lane.zone_id,
            subject_id=subject,
            state="open",
            entry_at=now,
            entry_device=None,
            currency=tariff.currency,
            lost_ticket=True,
        )
        self.store.parking.start_session(session, "entered_again")
        return session

    def _standing(
        self, lane: Lane, subject: str, now: datetime
    ) -> tuple[ListEntry | None, ListEntry | None, Permit | None]:
        """The vehicle's active deny entry, allow entry and permit for this garage."""
        deny = allow = None
        for entry in self.store.parking_config.list_entries(lane.site_id, subject):
            if entry.zone_id not in (None, lane.zone_id):
                continue
            if not _active(entry.valid_from, entry.valid_until, now):
                continue
            if entry.list_name == "deny":
                deny = deny or entry
            else:
                allow = allow or entry
        permit = next(
            (
                p
                for p in self.store.parking_config.list_permits(lane.site_id, subject)
                if p.zone_id in (None, lane.zone_id) and _active(p.valid_from, p.valid_until, now)
            ),
            None,
        )
        return deny, allow, permit

    def _full(self, lane: Lane) -> bool:
        zone = self.store.registry.get_zone(lane.site_id, lane.zone_id)
        if zone is None or zone.capacity is None:
            return False
        return (
            self.store.parking.open_session_counts(lane.site_id).get(lane.zone_id, 0)
            >= zone.capacity
        )

    # --- review queue -------------------------------------------------------------------
    def queue_review(
        self,
        lane: Lane,
        plate: PlateMatch,
        confidence: float,
        reason: str,
        doubt: str | None = None,
        admit: bool = False,
    ) -> GateDecision:
        """Queue an unsure read for a person and hold the barrier (``admit``: open it);
        the guess is kept only sealed, in its event."""
        now = self.clock()
        event = self._event("plate.read", lane, plate, now, now, confidence=round(confidence, 4))
        self._emit(event)
        item = ReviewItem(
            site_id=lane.site_id,
            review_id=str(self.ids.new()),
            device_id=lane.device_id,
            zone_id=lane.zone_id,
            direction=lane.direction,
            event_id=str(event.id),
            confidence=confidence,
            reason=reason,
            created_at=now,
        )
        self.store.parking.add_review(item)
        why = doubt or f"read with confidence {confidence:.2f}"
        decision = GateDecision(
            **_base(lane),
            open=admit,
            reason="review_admitted" if admit else "review",
            plate=plate,
            review_id=item.review_id,
            event_id=str(event.id),
            detail=f"{why}; let in, an operator confirms the plate"
            if admit
            else f"{why}; an operator confirms it",
        )
        return self._told(decision)

    def resolve_review(
        self, site_id: str, review_id: str, plate: PlateMatch | None, actor: str
    ) -> GateDecision | None:
        """Close a review: with the plate a person read, decide at its lane; without, dismiss."""
        item = self.store.parking.get_review(site_id, review_id)
        if item is None:
            raise NotFound(f"review {review_id!r} not found")
        resolution = "dismissed" if plate is None else "confirmed"
        if not self.store.parking.resolve_review(
            site_id, review_id, resolution, actor, self.clock()
        ):
            raise InvalidInput(f"review {review_id!r} was resolved already")
        if plate is None:
            return None
        return self.decide_plate(self.lane_of(site_id, item.device_id), plate)

    # --- events -------------------------------------------------------------------------
    def _event(
        self,
        kind: str,
        lane: Lane,
        plate: PlateMatch,
        occurred: datetime,
        now: datetime,
        event_id: Any = None,
        **attributes: Any,
    ) -> Event:
        attributes = {k: v for k, v in attributes.items() if v is not None}
        if kind == "plate.read":
            attributes["direction"] = "in" if lane.direction == "entry" else "out"
        attributes["lane"] = lane.device_id
        return Event(
            id=event_id or self.ids.new(),
            site_id=lane.site_id,
            zone_id=lane.zone_id,
            device_id=lane.device_id,
            kind=kind,
            severity=KINDS[kind].severity,
            occurred_at=occurred,
            received_at=now,
            attributes=attributes,
            personal={"plate": plate.display},
            note=None,
        )

    def _emit(self, event: Event) -> None:
        self.vault.seal_events([event])
        self.writer.write_sync([event])


def settle_exit(
    session: ParkingSession, tariff: Tariff, timezone: str, now: datetime, free_pass: str | None
) -> ExitSettlement:
    """What a stay owes at ``now``; paid up (or within the grace period after paying) closes."""
    if free_pass is not None or session.permit_id is not None:
        return ExitSettlement(True, 0, 0, free_pass or "permit")
    if session.closed_reason == "allow_list":
        return ExitSettlement(True, 0, 0, "allow_list")
    if session.lost_ticket:
        fee = tariff.lost_ticket_minor
    else:
        grace = timedelta(minutes=tariff.exit_grace_minutes)
        paid_at = session.paid_at
        counted_until = paid_at if paid_at is not None and now <= paid_at + grace else now
        fee = parking_fee(tariff, session.entry_at, counted_until, timezone)
    due = max(0, fee - session.paid_minor)
    if due:
        return ExitSettlement(
            False, fee, due, "no_entry_record" if session.lost_ticket else "unpaid"
        )
    return ExitSettlement(True, fee, 0, "paid" if fee else "free")


def _within_skew(device_time: datetime, now: datetime) -> bool:
    return abs(device_time - now) <= SKEW_LIMIT


def _base(lane: Lane) -> dict[str, Any]:
    return {
        "direction": lane.direction,
        "site_id": lane.site_id,
        "device_id": lane.device_id,
        "zone_id": lane.zone_id,
    }


def _with(decision: GateDecision, **changes: Any) -> GateDecision:
    return replace(decision, **changes)
