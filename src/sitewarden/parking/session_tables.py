"""Tables of what happens at a garage: sessions and payments.

Races are settled here, under the one write lock: a second entry voids the first
open session in the same transaction as it opens its own, an exit closes a session
only if it is still open, and a payment lands only on an open session.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import Any

from sitewarden.db.database import Database, _dt, _must_dt, _t
from sitewarden.errors import AlreadyExists, Conflict, InvalidInput, NotFound
from sitewarden.parking.records import (
    ExitSettlement,
    ParkingSession,
    Payment,
    SessionQuery,
)

SESSION_COLUMNS = (
    "site_id, session_id, zone_id, subject_id, state, entry_at, entry_device, currency, "
    "exit_at, exit_device, fee_minor, paid_minor, paid_at, lost_ticket, permit_id, "
    "closed_reason, entry_event_id"
)


def _session(row: Any) -> ParkingSession:
    return ParkingSession(
        site_id=row[0],
        session_id=row[1],
        zone_id=row[2],
        subject_id=row[3],
        state=row[4],
        entry_at=_must_dt(row[5]),
        entry_device=row[6],
        currency=row[7],
        exit_at=_dt(row[8]),
        exit_device=row[9],
        fee_minor=row[10],
        paid_minor=row[11],
        paid_at=_dt(row[12]),
        lost_ticket=bool(row[13]),
        permit_id=row[14],
        closed_reason=row[15],
        entry_event_id=row[16],
    )


class ParkingSessionTables:
    """Parking sessions and payments (gate reads and reviews: ``review_tables``)."""

    def __init__(self, db: Database) -> None:
        self._db = db

    # --- sessions and payments -----------------------------------------------------------
    def start_session(self, session: ParkingSession, void_reason: str) -> list[str]:
        s = session
        with self._db.transaction() as conn:
            voided = [
                row[0]
                for row in conn.execute(
                    "SELECT session_id FROM parking_sessions WHERE site_id = ? AND zone_id = ? "
                    "AND subject_id = ? AND state = 'open'",
                    (s.site_id, s.zone_id, s.subject_id),
                )
            ]
            conn.execute(
                "UPDATE parking_sessions SET state = 'voided', closed_reason = ?, exit_at = ? "
                "WHERE site_id = ? AND zone_id = ? AND subject_id = ? AND state = 'open'",
                (void_reason, _t(s.entry_at), s.site_id, s.zone_id, s.subject_id),
            )
            conn.execute(
                f"INSERT INTO parking_sessions ({SESSION_COLUMNS}) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    s.site_id,
                    s.session_id,
                    s.zone_id,
                    s.subject_id,
                    s.state,
                    _t(s.entry_at),
                    s.entry_device,
                    s.currency,
                    _t(s.exit_at),
                    s.exit_device,
                    s.fee_minor,
                    s.paid_minor,
                    _t(s.paid_at),
                    int(s.lost_ticket),
                    s.permit_id,
                    s.closed_reason,
                    s.entry_event_id,
                ),
            )
        return voided

    def get_session(self, site_id: str, session_id: str) -> ParkingSession | None:
        row = self._db.read_one(
            f"SELECT {SESSION_COLUMNS} FROM parking_sessions WHERE site_id = ? AND session_id = ?",
            (site_id, session_id),
        )
        return None if row is None else _session(row)

    def find_session(self, session_id: str) -> ParkingSession | None:
        row = self._db.read_one(
            f"SELECT {SESSION_COLUMNS} FROM parking_sessions WHERE session_id = ?", (session_id,)
        )
        return None if row is None else _session(row)

    def open_session_of(self, site_id: str, zone_id: str, subject_id: str) -> ParkingSession | None:
        row = self._db.read_one(
            f"SELECT {SESSION_COLUMNS} FROM parking_sessions WHERE site_id = ? AND zone_id = ? "
            "AND subject_id = ? AND state = 'open'",
            (site_id, zone_id, subject_id),
        )
        return None if row is None else _session(row)

    def settle_exit(
        self,
        site_id: str,
        session_id: str,
        exit_at: datetime,
        exit_device: str,
        decide: Callable[[ParkingSession], ExitSettlement],
    ) -> tuple[ParkingSession, ExitSettlement] | None:
        with self._db.transaction() as conn:
            # Take the row's write lock before reading it: two exit lanes reading the same
            # plate at once would otherwise both see it open (PostgreSQL's READ COMMITTED
            # lets both SELECTs through) and both open their barriers. The no-op UPDATE waits
            # for the other lane's transaction and re-checks ``state = 'open'`` after it.
            locked = conn.execute(
                "UPDATE parking_sessions SET state = state WHERE site_id = ? "
                "AND session_id = ? AND state = 'open'",
                (site_id, session_id),
            ).rowcount
            if locked == 0:
                return None
            row = conn.execute(
                f"SELECT {SESSION_COLUMNS} FROM parking_sessions WHERE site_id = ? "
                "AND session_id = ?",
                (site_id, session_id),
            ).fetchone()
            session = _session(row)
            settlement = decide(session)
            if not settlement.close:
                conn.execute(
                    "UPDATE parking_sessions SET fee_minor = ? "
                    "WHERE site_id = ? AND session_id = ?",
                    (settlement.fee_minor, site_id, session_id),
                )
                return replace(session, fee_minor=settlement.fee_minor), settlement
            conn.execute(
                "UPDATE parking_sessions SET state = 'closed', exit_at = ?, exit_device = ?, "
                "fee_minor = ?, closed_reason = ? WHERE site_id = ? AND session_id = ?",
                (
                    _t(exit_at),
                    exit_device,
                    settlement.fee_minor,
                    settlement.reason,
                    site_id,
                    session_id,
                ),
            )
        closed = replace(
            session,
            state="closed",
            exit_at=exit_at,
            exit_device=exit_device,
            fee_minor=settlement.fee_minor,
            closed_reason=settlement.reason,
        )
        return closed, settlement

    def add_payment(self, payment: Payment) -> tuple[ParkingSession, bool]:
        p = payment
        with self._db.transaction() as conn:
            # Lock the row first (as settle_exit does) so a payment and an exit racing on
            # one stay see each other's outcome instead of a stale 'open'.
            conn.execute(
                "UPDATE parking_sessions SET state = state WHERE site_id = ? AND session_id = ?",
                (p.site_id, p.session_id),
            )
            row = conn.execute(
                f"SELECT {SESSION_COLUMNS} FROM parking_sessions WHERE site_id = ? "
                "AND session_id = ?",
                (p.site_id, p.session_id),
            ).fetchone()
            if row is None:
                raise NotFound(f"parking session {p.session_id!r} not found")
            session = _session(row)
            repeat = conn.execute(
                "SELECT amount_minor, currency FROM parking_payments WHERE site_id = ? "
                "AND session_id = ? AND reference = ?",
                (p.site_id, p.session_id, p.reference),
            ).fetchone()
            if repeat is not None:
                if (repeat[0], repeat[1]) != (p.amount_minor, p.currency):
                    raise Conflict(
                        f"payment reference {p.reference!r} was recorded already with another "
                        "amount; use a new reference for a new payment"
                    )
                return session, False
            if session.state != "open":
                raise Conflict(
                    f"parking session {p.session_id!r} is {session.state}; payments go to open "
                    "sessions only"
                )
            if p.currency != session.currency:
                raise InvalidInput(
                    f"payment in {p.currency} but the session is charged in {session.currency}"
                )
            try:
                conn.execute(
                    "INSERT INTO parking_payments VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        p.site_id,
                        p.payment_id,
                        p.session_id,
                        p.amount_minor,
                        p.currency,
                        p.method,
                        p.reference,
                        _t(p.paid_at),
                        p.recorded_by,
                    ),
                )
            except self._db.integrity_errors as exc:
                raise AlreadyExists(f"payment not recorded: {exc}") from exc
            conn.execute(
                "UPDATE parking_sessions SET paid_minor = paid_minor + ?, paid_at = ? "
                "WHERE site_id = ? AND session_id = ?",
                (p.amount_minor, _t(p.paid_at), p.site_id, p.session_id),
            )
        return replace(
            session, paid_minor=session.paid_minor + p.amount_minor, paid_at=p.paid_at
        ), True

    def find_sessions(self, query: SessionQuery) -> list[ParkingSession]:
        where = ["site_id = ?"]
        params: list[Any] = [query.site_id]
        if query.zone_id is not None:
            where.append("zone_id = ?")
            params.append(query.zone_id)
        if query.subject_ids is not None:
            if not query.subject_ids:
                return []
            where.append(f"subject_id IN ({', '.join('?' * len(query.subject_ids))})")
            params.extend(query.subject_ids)
        if query.state is not None:
            where.append("state = ?")
            params.append(query.state)
        if query.since is not None:
            where.append("entry_at >= ?")
            params.append(_t(query.since))
        if query.until is not None:
            where.append("entry_at < ?")
            params.append(_t(query.until))
        rows = self._db.read(
            f"SELECT {SESSION_COLUMNS} FROM parking_sessions WHERE {' AND '.join(where)} "
            "ORDER BY entry_at DESC LIMIT ?",
            (*params, query.limit),
        )
        return [_session(row) for row in rows]

    def open_session_counts(self, site_id: str) -> dict[str, int]:
        rows = self._db.read(
            "SELECT zone_id, count(*) FROM parking_sessions WHERE site_id = ? AND state = 'open' "
            "GROUP BY zone_id",
            (site_id,),
        )
        return {row[0]: row[1] for row in rows}

    def sessions_overlapping(
        self, site_id: str, zone_id: str, since: datetime, until: datetime
    ) -> list[tuple[datetime, datetime | None]]:
        rows = self._db.read(
            "SELECT entry_at, exit_at FROM parking_sessions WHERE site_id = ? AND zone_id = ? "
            "AND entry_at < ? AND (exit_at IS NULL OR exit_at >= ?)",
            (site_id, zone_id, _t(until), _t(since)),
        )
        return [(_must_dt(row[0]), _dt(row[1])) for row in rows]

    def payments_between(
        self, site_id: str, since: datetime, until: datetime
    ) -> list[tuple[datetime, int, str]]:
        rows = self._db.read(
            "SELECT paid_at, amount_minor, currency FROM parking_payments WHERE site_id = ? "
            "AND paid_at >= ? AND paid_at < ? ORDER BY paid_at",
            (site_id, _t(since), _t(until)),
        )
        return [(_must_dt(row[0]), row[1], row[2]) for row in rows]

    def movements_between(self, site_id: str, since: datetime, until: datetime) -> tuple[int, int]:
        """Vehicles that entered, and that left, any garage of the site in the span."""
        bounds = (site_id, _t(since), _t(until))
        entries = self._db.read_one(
            "SELECT count(*) FROM parking_sessions WHERE site_id = ? "
            "AND entry_at >= ? AND entry_at < ?",
            bounds,
        )
        exits = self._db.read_one(
            "SELECT count(*) FROM parking_sessions WHERE site_id = ? "
            "AND exit_at >= ? AND exit_at < ?",
            bounds,
        )
        return int(entries[0]), int(exits[0])
