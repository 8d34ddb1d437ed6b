"""Gate decisions: a plate read at a lane opens the barrier or keeps it shut, and why.

Every decision is answered at once and its event is sealed and committed through the
event writer first, so it is durable and its alert fires. Repeated reads of one car at
one lane within the site's window are one read. A read the site is not sure of goes to
the review queue for a person to confirm. Who may enter or leave, and what a stay
owes, are the rules of ``gate_rules.py``; see docs/parking.md for the edge cases.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from sitewarden.errors import InvalidInput, NotFound
from sitewarden.events.ids import EventIdFactory
from sitewarden.events.model import Event
from sitewarden.intake.service import Intake
from sitewarden.parking.data import ParkingData
from sitewarden.parking.decisions import GateDecision, gate_event, lane_fields
from sitewarden.parking.gate_rules import GateRules
from sitewarden.parking.lane_bursts import LaneBursts
from sitewarden.parking.lane_frames import keep_lane_frame
from sitewarden.parking.records import GateRead, Lane, PlateSettings, ReviewItem
from sitewarden.parking.review_frames import FrameToKeep, keep_review_frame
from sitewarden.parking.tariffs import Tariff
from sitewarden.privacy.vault import Vault
from sitewarden.vision.plate_bursts import FrameRead
from sitewarden.vision.plate_formats import PlateFormat, PlateMatch, match_plate, resolve_formats

NO_CURRENCY = "XXX"  # ISO 4217 "no currency": a garage without a tariff is free
FREE = Tariff(currency=NO_CURRENCY, hourly_minor=0)
SKEW_LIMIT = timedelta(minutes=5)


class ParkingGates:
    """Decides at gates; one per process, shared by all requests (thread-safe)."""

    def __init__(
        self,
        data: ParkingData,
        vault: Vault,
        intake: Intake,
        ids: EventIdFactory,
        clock: Callable[[], datetime] | None = None,
        frame_days: float = 0,
        bursts: LaneBursts | None = None,
    ) -> None:
        self.data = data
        self.bursts = bursts or LaneBursts()  # each lane's last frame reads (plate_bursts)
        self.frame_days = frame_days  # how long a review's frame is kept (0: until resolved)
        self.vault = vault
        self.intake = intake
        self.ids = ids
        self.clock = clock or (lambda: datetime.now(UTC))
        self._lanes_lock = threading.Lock()
        self._lane_locks: dict[tuple[str, str], threading.Lock] = {}
        # Told every decision (the MQTT command publisher tells the lane's barrier).
        self.listeners: list[Callable[[GateDecision], None]] = []
        self._rules = GateRules(data, ids, self.plate_settings, self.tariff)

    def _told(self, decision: GateDecision) -> GateDecision:
        for listener in self.listeners:
            listener(decision)
        return decision

    # --- configuration read on each decision ----------------------------------------
    def plate_settings(self, site_id: str) -> PlateSettings:
        return self.data.config.get_plate_settings(site_id) or PlateSettings(site_id)

    def formats(self, site_id: str) -> list[PlateFormat]:
        settings = self.plate_settings(site_id)
        return resolve_formats(settings.formats, settings.custom_formats)

    def lane_of(self, site_id: str, device_id: str) -> Lane:
        lane = self.data.config.get_lane(site_id, device_id)
        if lane is None:
            raise InvalidInput(
                f"plate camera {device_id!r} is not configured as a lane: an administrator "
                f"sets it with PUT /api/v1/parking/sites/{site_id}/lanes/{device_id}"
            )
        return lane

    def tariff(self, site_id: str, zone_id: str) -> Tariff:
        stored = self.data.config.get_tariff(site_id, zone_id)
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
        base = lane_fields(lane)
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
        return self.decide_plate(lane, match, device_time, confidence)

    def is_sure(self, site_id: str, confidence: float, doubt: str | None) -> bool:
        """A frame read is sure with no ``doubt`` and confidence at or over the site's
        ``review_below``."""
        return doubt is None and confidence >= self.plate_settings(site_id).review_below

    def decide_frame_read(
        self,
        lane: Lane,
        plate: PlateMatch,
        confidence: float,
        doubt: str | None,
        frame: FrameToKeep | None = None,
        alternatives: Sequence[PlateMatch] = (),
        *,
        scores: Sequence[float] = (),
        settleable: bool = False,
        frames: int = 1,
    ) -> GateDecision:
        """Decide on a plate the reader found in a frame: a sure read is acted on; any
        other follows the site's policy for unsure reads, and its ``frame`` and the
        readers' ``alternatives`` are kept with the review; either way it becomes the
        lane's last frame. Never a wrong plate silently.

        The lane remembers the read (its characters' ``scores``; ``settleable``: unsure
        only for them) for the car's next frames, and a sure read closes the reviews
        the car's earlier frames sent for the same plate (``settle_reviews``).
        ``frames``: how many frames of the car the read stands on (2 or more: the
        burst settled it), kept in the decision's event."""
        if frame is not None:
            vehicle = self.vault.subject_for(lane.site_id, "plate", "vehicle", plate.compact)
            keep_lane_frame(
                self.data.lane_frames, self.vault, lane.site_id, lane.device_id, vehicle,
                frame, self.frame_days, self.clock(),
            )  # fmt: skip
        sure = self.is_sure(lane.site_id, confidence, doubt)
        if sure:
            self.settle_reviews(lane, plate)
            decision = self.decide_plate(lane, plate, None, confidence, frames)
        else:
            decision = self.unsure_read(lane, plate, confidence, doubt, frame, alternatives)
        read = FrameRead(plate.compact, tuple(scores), sure, settleable)
        self.bursts.remember(lane.site_id, lane.device_id, read, decision.review_id)
        return decision

    def earlier_reads(
        self, site_id: str, device_id: str, arrived: float | None = None
    ) -> list[FrameRead]:
        """The reads of the lane's frames before its frame that ``arrived`` (by
        ``bursts.now()``), for the reader (``plate_bursts``)."""
        return [seen.read for seen in self.bursts.earlier(site_id, device_id, arrived)]

    def unsure_read(
        self,
        lane: Lane,
        plate: PlateMatch,
        confidence: float,
        doubt: str | None,
        frame: FrameToKeep | None = None,
        alternatives: Sequence[PlateMatch] = (),
    ) -> GateDecision:
        """An unsure read goes to the review queue; an entry lane of a site whose policy
        is ``admit`` lets the car in meanwhile (no session yet: the confirmed plate starts
        it). Exits always hold: a fee is never settled against a guessed plate."""
        admit = lane.direction == "entry" and (
            self.plate_settings(lane.site_id).unsure_reads == "admit"
        )
        reason = "unsure_read" if doubt is not None else "low_confidence"
        return self.queue_review(lane, plate, confidence, reason, doubt, admit, frame, alternatives)

    def decide_plate(
        self,
        lane: Lane,
        plate: PlateMatch,
        device_time: datetime | None = None,
        confidence: float | None = None,
        frames: int = 1,
    ) -> GateDecision:
        """Open or not for ``plate`` at ``lane``; listeners are told the decision. The
        read's ``confidence`` (None: a person confirmed the plate) goes into its event,
        and so do the ``frames`` of a read a burst settled (more than one)."""
        return self._told(self._decide_plate(lane, plate, device_time, confidence, frames))

    def _decide_plate(
        self,
        lane: Lane,
        plate: PlateMatch,
        device_time: datetime | None,
        confidence: float | None,
        frames: int = 1,
    ) -> GateDecision:
        now = self.clock()
        subject = self.vault.subject_for(lane.site_id, "plate", "vehicle", plate.compact)
        window = timedelta(seconds=self.plate_settings(lane.site_id).duplicate_window_s)
        with self._lane_lock(lane.site_id, lane.device_id):
            last = self.data.reviews.last_gate_read(lane.site_id, lane.device_id, subject)
            recent = last if last is not None and timedelta(0) <= now - last.at <= window else None
            if recent is not None and recent.opened:
                return GateDecision(
                    **lane_fields(lane),
                    open=True,
                    reason=recent.reason,
                    plate=plate,
                    session_id=recent.session_id,
                    duplicate=True,
                )
            occurred = device_time if device_time and _within_skew(device_time, now) else now
            if lane.direction == "entry":
                decision, event = self._rules.entry(lane, plate, subject, now, occurred)
            else:
                decision, event = self._rules.exit(lane, plate, subject, now, occurred)
            repeated = recent is not None and recent.reason == decision.reason
            if event is not None and not repeated:
                if confidence is not None:
                    event.attributes["confidence"] = round(confidence, 4)
                if frames > 1:
                    event.attributes["frames"] = frames
                self._emit(event)
                decision = replace(decision, event_id=str(event.id))
            elif repeated:
                decision = replace(decision, duplicate=True)
            self.data.reviews.record_gate_read(
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

    # --- review queue -------------------------------------------------------------------
    def queue_review(
        self,
        lane: Lane,
        plate: PlateMatch,
        confidence: float,
        reason: str,
        doubt: str | None = None,
        admit: bool = False,
        frame: FrameToKeep | None = None,
        alternatives: Sequence[PlateMatch] = (),
    ) -> GateDecision:
        """Queue an unsure read for a person and hold the barrier (``admit``: open it);
        the guess is kept only sealed, in its event, and its ``frame`` sealed with the
        review (review_frames.py)."""
        now = self.clock()
        event = gate_event(
            self.ids, "plate.read", lane, plate, now, now, confidence=round(confidence, 4)
        )
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
            alternatives=tuple(
                self.vault.subject_for(lane.site_id, "plate", "vehicle", other.compact)
                for other in alternatives
            ),
        )
        self.data.reviews.add_review(item)
        if frame is not None:
            vehicle = self.vault.subject_for(lane.site_id, "plate", "vehicle", plate.compact)
            keep_review_frame(
                self.data.frames, self.vault, lane.site_id, item.review_id, vehicle, frame,
                self.frame_days, now,
            )  # fmt: skip
        why = doubt or f"read with confidence {confidence:.2f}"
        decision = GateDecision(
            **lane_fields(lane),
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
        item = self.data.reviews.get_review(site_id, review_id)
        if item is None:
            raise NotFound(f"review {review_id!r} not found")
        resolution = "dismissed" if plate is None else "confirmed"
        if not self.data.reviews.resolve_review(
            site_id, review_id, resolution, actor, self.clock()
        ):
            raise InvalidInput(self._resolved_already(site_id, review_id))
        self.data.frames.delete(site_id, review_id)  # its frame was kept for this review only
        if plate is None:
            return None
        return self.decide_plate(self.lane_of(site_id, item.device_id), plate)

    def _resolved_already(self, site_id: str, review_id: str) -> str:
        """Why a review cannot be resolved: who resolved it, and how."""
        item = self.data.reviews.get_review(site_id, review_id)
        if item is not None and item.resolution == "settled":
            return (
                f"review {review_id!r} was settled already: a later frame of the same car "
                f"at {item.resolved_by} read the plate surely, and the gate decided on it"
            )
        by = f" by {item.resolved_by}" if item is not None and item.resolved_by else ""
        return f"review {review_id!r} was resolved already{by}"

    def settle_reviews(self, lane: Lane, plate: PlateMatch) -> None:
        """Close the reviews the car's earlier frames at ``lane`` sent for ``plate``, now
        that a later frame read it surely (``lane_bursts``): the gate decides on that
        read, and a person confirming an earlier frame would decide again. Each is
        resolved as ``settled`` by the lane's camera, and its frame goes with it."""
        for seen in self.bursts.earlier(lane.site_id, lane.device_id):
            if seen.review_id is None or seen.read.compact != plate.compact:
                continue
            if self.data.reviews.resolve_review(
                lane.site_id, seen.review_id, "settled", lane.device_id, self.clock()
            ):
                self.data.frames.delete(lane.site_id, seen.review_id)

    def _emit(self, event: Event) -> None:
        self.intake.take([event])


def _within_skew(device_time: datetime, now: datetime) -> bool:
    return abs(device_time - now) <= SKEW_LIMIT
