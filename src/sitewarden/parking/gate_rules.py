"""The rules a gate decides by: who enters, who leaves, and what a stay owes.

Entry: a deny-listed vehicle stays out (``parking.denied``, reason ``deny_list``, which
the ``barred-vehicle`` rule turns into an alert); a full garage admits only permit and
allow-list holders; everyone else gets a session. Exit: permit and allow-list holders
leave; others leave once the fee is paid (within the grace period after paying),
otherwise the gate stays shut and ``parking.unpaid_exit`` is raised; an exit without
an entry pays the lost-ticket fee where the tariff has one. These are the rules alone,
apart from the desk (``gates.py``) that reads the plate, holds the lane's lock and
writes the decision's event; see docs/parking.md for the edge cases.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sitewarden.events.ids import EventIdFactory
from sitewarden.events.model import Event
from sitewarden.parking.data import ParkingData
from sitewarden.parking.decisions import GateDecision, gate_event, lane_fields
from sitewarden.parking.records import (
    ExitSettlement,
    Lane,
    ListEntry,
    ParkingSession,
    Permit,
    PlateSettings,
    SessionQuery,
)
from sitewarden.parking.tariffs import Tariff, parking_fee
from sitewarden.vision.plate_formats import PlateMatch


class GateRules:
    """Entry and exit at a lane, decided under the lane's lock (held by the caller)."""

    def __init__(
        self,
        data: ParkingData,
        ids: EventIdFactory,
        plate_settings: Callable[[str], PlateSettings],
        tariff: Callable[[str, str], Tariff],
    ) -> None:
        self.data = data
        self.ids = ids
        self.plate_settings = plate_settings  # of a site
        self.tariff = tariff  # of a site's garage (zone)

    def entry(
        self, lane: Lane, plate: PlateMatch, subject: str, now: datetime, occurred: datetime
    ) -> tuple[GateDecision, Event | None]:
        """At an entry lane: the decision, and the event that records it."""
        base = lane_fields(lane)
        deny, allow, permit = self._standing(lane, subject, now)
        tariff = self.tariff(lane.site_id, lane.zone_id)
        if deny is not None:
            event = gate_event(
                self.ids, "parking.denied", lane, plate, occurred, now, reason="deny_list"
            )
            return GateDecision(
                **base, open=False, reason="deny_list", plate=plate, detail=deny.reason
            ), event
        passes = "permit" if permit is not None else "allow_list" if allow is not None else None
        if passes is None and self._full(lane):
            event = gate_event(
                self.ids, "parking.denied", lane, plate, occurred, now, reason="full"
            )
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
        voided = self.data.sessions.start_session(session, "entered_again")
        reason = passes or "ticketless"
        event = gate_event(
            self.ids,
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

    def exit(
        self, lane: Lane, plate: PlateMatch, subject: str, now: datetime, occurred: datetime
    ) -> tuple[GateDecision, Event | None]:
        """At an exit lane: the decision, and its event (None: another exit closed the stay)."""
        base = lane_fields(lane)
        deny, allow, permit = self._standing(lane, subject, now)
        tariff = self.tariff(lane.site_id, lane.zone_id)
        if deny is not None:
            event = gate_event(
                self.ids, "parking.denied", lane, plate, occurred, now, reason="deny_list"
            )
            return GateDecision(
                **base, open=False, reason="deny_list", plate=plate, detail=deny.reason
            ), event
        free_pass = "permit" if permit is not None else "allow_list" if allow is not None else None
        session = self.data.sessions.open_session_of(lane.site_id, lane.zone_id, subject)
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
                event = gate_event(
                    self.ids, "parking.exit", lane, plate, occurred, now, reason=reason
                )
                return GateDecision(**base, open=True, reason=reason, plate=plate), event
        site = self.data.registry.get_site(lane.site_id)
        timezone = site.timezone if site is not None else "UTC"

        def settle(current: ParkingSession) -> ExitSettlement:
            return settle_exit(current, tariff, timezone, now, free_pass)

        settled = self.data.sessions.settle_exit(
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
            event = gate_event(
                self.ids, "parking.exit", lane, plate, occurred, now, reason=result.reason, **money
            )
            return GateDecision(
                **base, open=True, reason=result.reason, plate=plate, due_minor=0, **money
            ), event
        event = gate_event(
            self.ids,
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
        latest = self.data.sessions.find_sessions(
            SessionQuery(lane.site_id, lane.zone_id, (subject,), "closed", limit=1)
        )
        left = latest[0].exit_at if latest else None
        # Either side of now: the other lane's clock reading may be a moment later than ours.
        return left is not None and abs(now - left) <= window

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
        self.data.sessions.start_session(session, "entered_again")
        return session

    def _standing(
        self, lane: Lane, subject: str, now: datetime
    ) -> tuple[ListEntry | None, ListEntry | None, Permit | None]:
        """The vehicle's active deny entry, allow entry and permit for this garage."""
        deny = allow = None
        for entry in self.data.config.list_entries(lane.site_id, subject):
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
                for p in self.data.config.list_permits(lane.site_id, subject)
                if p.zone_id in (None, lane.zone_id) and _active(p.valid_from, p.valid_until, now)
            ),
            None,
        )
        return deny, allow, permit

    def _full(self, lane: Lane) -> bool:
        zone = self.data.registry.get_zone(lane.site_id, lane.zone_id)
        if zone is None or zone.capacity is None:
            return False
        return (
            self.data.sessions.open_session_counts(lane.site_id).get(lane.zone_id, 0)
            >= zone.capacity
        )


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


def _active(valid_from: datetime | None, valid_until: datetime | None, at: datetime) -> bool:
    return (valid_from is None or valid_from <= at) and (valid_until is None or at < valid_until)
