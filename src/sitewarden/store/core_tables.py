"""Tables of sites, zones, devices, operators and events, for both backends."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import orjson

from sitewarden.alerts.model import AlertChange, AlertSignal
from sitewarden.db.database import (
    Connection,
    EventRow,
    _dt,
    _must_dt,
    _t,
    chunked,
    event_rows,
    value_rows,
)
from sitewarden.events.kinds import Severity
from sitewarden.events.model import Event, to_micros
from sitewarden.registry.device_kinds import DeviceKind
from sitewarden.store.access_tables import AccessTables
from sitewarden.store.alert_tables import AlertTables
from sitewarden.store.base import DeviceKey, OfflineTransition
from sitewarden.store.parking_tables import ParkingTables
from sitewarden.store.privacy_tables import PrivacyTables
from sitewarden.store.records import (
    ApiKey,
    Device,
    DeviceCredential,
    EventPage,
    EventQuery,
    Site,
    User,
    WebSession,
    Zone,
)

# Devices per last-seen UPDATE (three values each).
SEEN_CHUNK = 400

_EVENT_COLUMNS = (
    "id, site_id, zone_id, device_id, kind, severity, occurred_at, received_at, "
    "attributes, personal, note, subject_id, media"
)
_DEVICE_COLUMNS = (
    "site_id, device_id, zone_id, kind, name, x, y, heartbeat_s, created_at, last_seen_at, "
    "token_id, token_issued_at, token_revoked_at, rotation"
)
_USER_COLUMNS = (
    "user_id, username, role, password_hash, created_at, site_scope, disabled, "
    "must_change_password, last_login_at, totp_secret, totp_enabled, failed_logins, locked_until, "
    "totp_pending, totp_last_step"
)


class CoreTables(PrivacyTables, AlertTables, ParkingTables, AccessTables):
    """Every table group; a backend adds its database primitives to make a ``Store``."""

    # --- sites -----------------------------------------------------------------
    def add_site(self, site: Site) -> None:
        self._write(
            "INSERT INTO sites VALUES (?, ?, ?, ?, ?, ?)",
            (
                site.site_id,
                site.name,
                site.timezone,
                site.plan_width,
                site.plan_height,
                _t(site.created_at),
            ),
        )

    def get_site(self, site_id: str) -> Site | None:
        row = self._read_one("SELECT * FROM sites WHERE site_id = ?", (site_id,))
        return None if row is None else _site(row)

    def list_sites(self, site_scope: tuple[str, ...] | None = None) -> list[Site]:
        rows = self._read("SELECT * FROM sites ORDER BY site_id")
        return [_site(row) for row in rows if site_scope is None or row[0] in site_scope]

    def update_site(self, site: Site) -> None:
        self._write(
            "UPDATE sites SET name = ?, timezone = ?, plan_width = ?, plan_height = ? "
            "WHERE site_id = ?",
            (site.name, site.timezone, site.plan_width, site.plan_height, site.site_id),
        )

    def delete_site(self, site_id: str) -> None:
        self._write("DELETE FROM sites WHERE site_id = ?", (site_id,))

    def count_site_contents(self, site_id: str) -> dict[str, int]:
        zones = self._read_one("SELECT count(*) FROM zones WHERE site_id = ?", (site_id,))[0]
        devices = self._read_one("SELECT count(*) FROM devices WHERE site_id = ?", (site_id,))[0]
        events = self._read_one(
            "SELECT count(*) FROM (SELECT 1 FROM events WHERE site_id = ? LIMIT 1) AS found",
            (site_id,),
        )[0]
        return {"zones": zones, "devices": devices, "events": events}

    # --- zones -----------------------------------------------------------------
    def add_zone(self, zone: Zone) -> None:
        self._write(
            "INSERT INTO zones VALUES (?, ?, ?, ?, ?)",
            (zone.site_id, zone.zone_id, zone.name, zone.capacity, _t(zone.created_at)),
        )

    def get_zone(self, site_id: str, zone_id: str) -> Zone | None:
        row = self._read_one(
            "SELECT * FROM zones WHERE site_id = ? AND zone_id = ?", (site_id, zone_id)
        )
        return None if row is None else _zone(row)

    def list_zones(self, site_id: str) -> list[Zone]:
        rows = self._read("SELECT * FROM zones WHERE site_id = ? ORDER BY zone_id", (site_id,))
        return [_zone(row) for row in rows]

    def update_zone(self, zone: Zone) -> None:
        self._write(
            "UPDATE zones SET name = ?, capacity = ? WHERE site_id = ? AND zone_id = ?",
            (zone.name, zone.capacity, zone.site_id, zone.zone_id),
        )

    def delete_zone(self, site_id: str, zone_id: str) -> None:
        self._write("DELETE FROM zones WHERE site_id = ? AND zone_id = ?", (site_id, zone_id))

    # --- devices ---------------------------------------------------------------
    def add_device(self, device: Device) -> None:
        self._write(
            "INSERT INTO devices (site_id, device_id, zone_id, kind, name, x, y, heartbeat_s, "
            "created_at, rotation) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                device.site_id,
                device.device_id,
                device.zone_id,
                device.kind.value,
                device.name,
                device.x,
                device.y,
                device.heartbeat_s,
                _t(device.created_at),
                device.rotation,
            ),
        )

    def get_device(self, site_id: str, device_id: str) -> Device | None:
        row = self._read_one(
            f"SELECT {_DEVICE_COLUMNS} FROM devices WHERE site_id = ? AND device_id = ?",
            (site_id, device_id),
        )
        return None if row is None else _device(row)

    def list_devices(self, site_id: str) -> list[Device]:
        rows = self._read(
            f"SELECT {_DEVICE_COLUMNS} FROM devices WHERE site_id = ? ORDER BY device_id",
            (site_id,),
        )
        return [_device(row) for row in rows]

    def update_device(self, device: Device) -> None:
        self._write(
            "UPDATE devices SET zone_id = ?, kind = ?, name = ?, x = ?, y = ?, heartbeat_s = ?, "
            "rotation = ? WHERE site_id = ? AND device_id = ?",
            (
                device.zone_id,
                device.kind.value,
                device.name,
                device.x,
                device.y,
                device.heartbeat_s,
                device.rotation,
                device.site_id,
                device.device_id,
            ),
        )

    def delete_device(self, site_id: str, device_id: str) -> None:
        self._write("DELETE FROM devices WHERE site_id = ? AND device_id = ?", (site_id, device_id))

    def set_device_token(
        self, site_id: str, device_id: str, token_id: str, token_hash: bytes, at: datetime
    ) -> None:
        self._write(
            "UPDATE devices SET token_id = ?, token_hash = ?, token_issued_at = ?, "
            "token_revoked_at = NULL WHERE site_id = ? AND device_id = ?",
            (token_id, token_hash, _t(at), site_id, device_id),
        )

    def revoke_device_token(self, site_id: str, device_id: str, at: datetime) -> None:
        # The token id stays so that a device still using it is told it was revoked.
        self._write(
            "UPDATE devices SET token_hash = NULL, token_revoked_at = ? "
            "WHERE site_id = ? AND device_id = ?",
            (_t(at), site_id, device_id),
        )

    def find_device_credential(self, token_id: str) -> DeviceCredential | None:
        row = self._read_one(
            "SELECT site_id, device_id, zone_id, kind, token_id, token_hash, token_revoked_at "
            "FROM devices WHERE token_id = ?",
            (token_id,),
        )
        if row is None:
            return None
        return DeviceCredential(
            site_id=row[0],
            device_id=row[1],
            zone_id=row[2],
            kind=DeviceKind(row[3]),
            token_id=row[4],
            token_hash=row[5],
            revoked_at=_dt(row[6]),
        )

    # --- users, keys, sessions ---------------------------------------------------
    def add_user(self, user: User) -> None:
        self._write(
            f"INSERT INTO users ({_USER_COLUMNS}) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            _user_row(user),
        )

    def get_user(self, user_id: str) -> User | None:
        row = self._read_one(f"SELECT {_USER_COLUMNS} FROM users WHERE user_id = ?", (user_id,))
        return None if row is None else _user(row)

    def get_user_by_name(self, username: str) -> User | None:
        row = self._read_one(f"SELECT {_USER_COLUMNS} FROM users WHERE username = ?", (username,))
        return None if row is None else _user(row)

    def list_users(self) -> list[User]:
        rows = self._read(f"SELECT {_USER_COLUMNS} FROM users ORDER BY username")
        return [_user(row) for row in rows]

    def update_user(self, user: User) -> None:
        values = _user_row(user)
        self._write(
            "UPDATE users SET username = ?, role = ?, password_hash = ?, created_at = ?, "
            "site_scope = ?, disabled = ?, must_change_password = ?, last_login_at = ?, "
            "totp_secret = ?, totp_enabled = ?, failed_logins = ?, locked_until = ?, "
            "totp_pending = ? WHERE user_id = ?",
            (*values[1:-1], values[0]),  # never totp_last_step: see claim_totp_step
        )

    def claim_totp_step(self, user_id: str, step: int) -> bool:
        """Record ``step`` as the user's last used TOTP step, unless it or a later one
        was used already (then False). One statement, so two sign-ins cannot both win."""
        changed = self._write(
            "UPDATE users SET totp_last_step = ? "
            "WHERE user_id = ? AND (totp_last_step IS NULL OR totp_last_step < ?)",
            (step, user_id, step),
        )
        return changed == 1

    def add_api_key(self, key: ApiKey) -> None:
        self._write(
            "INSERT INTO api_keys VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                key.key_id,
                key.user_id,
                key.name,
                key.secret_hash,
                _t(key.created_at),
                _t(key.revoked_at),
                None if key.scopes is None else orjson.dumps(list(key.scopes)).decode(),
            ),
        )

    def get_api_key(self, key_id: str) -> ApiKey | None:
        row = self._read_one("SELECT * FROM api_keys WHERE key_id = ?", (key_id,))
        return None if row is None else _api_key(row)

    def list_api_keys(self, user_id: str) -> list[ApiKey]:
        rows = self._read(
            "SELECT * FROM api_keys WHERE user_id = ? ORDER BY created_at", (user_id,)
        )
        return [_api_key(row) for row in rows]

    def revoke_api_key(self, key_id: str, at: datetime) -> None:
        self._write("UPDATE api_keys SET revoked_at = ? WHERE key_id = ?", (_t(at), key_id))

    def add_web_session(self, session: WebSession) -> None:
        self._write(
            "INSERT INTO web_sessions VALUES (?, ?, ?, ?, ?, ?)",
            (
                session.session_hash,
                session.user_id,
                session.csrf_token,
                _t(session.created_at),
                _t(session.expires_at),
                int(session.second_factor),
            ),
        )

    def get_web_session(self, session_hash: bytes) -> WebSession | None:
        row = self._read_one("SELECT * FROM web_sessions WHERE session_hash = ?", (session_hash,))
        if row is None:
            return None
        return WebSession(row[0], row[1], row[2], _must_dt(row[3]), _must_dt(row[4]), bool(row[5]))

    def set_session_second_factor(self, session_hash: bytes) -> None:
        self._write(
            "UPDATE web_sessions SET second_factor = 1 WHERE session_hash = ?", (session_hash,)
        )

    def delete_web_session(self, session_hash: bytes) -> None:
        self._write("DELETE FROM web_sessions WHERE session_hash = ?", (session_hash,))

    def delete_user_sessions(self, user_id: str) -> None:
        self._write("DELETE FROM web_sessions WHERE user_id = ?", (user_id,))

    # --- events ----------------------------------------------------------------
    def insert_events(
        self,
        events: Sequence[Event],
        last_seen: Mapping[DeviceKey, datetime],
        signals: Sequence[AlertSignal] = (),
        offline: Sequence[OfflineTransition] = (),
    ) -> list[AlertChange]:
        return self.insert_event_rows(event_rows(events), last_seen, signals, offline)

    def insert_event_rows(
        self,
        rows: Sequence[EventRow],
        last_seen: Mapping[DeviceKey, datetime],
        signals: Sequence[AlertSignal] = (),
        offline: Sequence[OfflineTransition] = (),
    ) -> list[AlertChange]:
        """:meth:`insert_events` for events already turned into rows by :func:`event_rows`
        (what a writer in another process receives)."""
        now = datetime.now(UTC)
        seen = [(to_micros(at), site, device) for (site, device), at in last_seen.items()]
        with self._transaction() as conn:
            self._insert_event_rows(conn, rows)
            self._mark_seen(conn, seen)
            changes = self._back_online(conn, list(last_seen), now)
            changes += self._apply_signals(conn, signals, now)
            for transition in offline:
                if self._mark_offline(
                    conn, transition.site_id, transition.device_id, transition.deadline, now
                ):
                    self._insert_event_rows(conn, event_rows([transition.event]))
                    changes += self._apply_signals(conn, transition.signals, now)
        return changes

    def _mark_seen(self, conn: Connection, seen: Sequence[tuple[int, str, str]]) -> None:
        """Newer last-seen times, one statement per chunk of devices rather than one per
        device (a round trip each on PostgreSQL, a lock hand-off each on SQLite)."""
        for chunk in chunked(seen, SEEN_CHUNK):
            conn.execute(
                "UPDATE devices SET last_seen_at = seen.column1 "
                f"FROM (VALUES {value_rows(3, len(chunk))}) AS seen "
                "WHERE devices.site_id = seen.column2 AND devices.device_id = seen.column3 "
                "AND (devices.last_seen_at IS NULL OR devices.last_seen_at < seen.column1)",
                [part for row in chunk for part in row],
            )

    def query_events(self, query: EventQuery) -> EventPage:
        where: list[str] = []
        params: list[Any] = []
        if query.site_scope is not None:
            where.append(f"site_id IN ({', '.join('?' * len(query.site_scope))})")
            params.extend(query.site_scope)
        for column, value in (
            ("site_id", query.site_id),
            ("zone_id", query.zone_id),
            ("device_id", query.device_id),
            ("kind", query.kind),
            ("family", query.family),
        ):
            if value is not None:
                where.append(f"{column} = ?")
                params.append(value)
        if query.since is not None:
            where.append("occurred_at >= ?")
            params.append(to_micros(query.since))
        if query.until is not None:
            where.append("occurred_at < ?")
            params.append(to_micros(query.until))
        if query.subject_ids is not None:
            where.append(f"subject_id IN ({', '.join('?' * len(query.subject_ids))})")
            params.extend(query.subject_ids)
        if query.text:
            where.append(f"note {self.LIKE} ? ESCAPE '\\'")
            params.append("%" + _escape_like(query.text) + "%")
        if query.after is not None:
            where.append("(occurred_at, id) < (?, ?)")
            params.extend((to_micros(query.after[0]), query.after[1].bytes))
        sql = (
            f"SELECT {_EVENT_COLUMNS} FROM events{self._index_hint(_index_for(query))}"
            + (" WHERE " + " AND ".join(where) if where else "")
            + " ORDER BY occurred_at DESC, id DESC LIMIT ?"
        )
        params.append(query.limit + 1)
        rows = self._read(sql, params)
        events = [_event(row) for row in rows[: query.limit]]
        cursor = None
        if len(rows) > query.limit and events:
            cursor = (events[-1].occurred_at, events[-1].id)
        return EventPage(events=events, next_cursor=cursor)

    def get_event(self, event_id: UUID) -> Event | None:
        row = self._read_one(f"SELECT {_EVENT_COLUMNS} FROM events WHERE id = ?", (event_id.bytes,))
        return None if row is None else _event(row)

    def delete_events_before(self, kinds: frozenset[str], before: datetime, limit: int) -> int:
        """Delete up to ``limit`` of the oldest events of ``kinds`` that occurred before."""
        marks = ", ".join("?" * len(kinds))
        with self._transaction() as conn:
            cursor = conn.execute(
                "DELETE FROM events WHERE id IN (SELECT id FROM events"
                f"{self._index_hint('events_time')} WHERE occurred_at < ? AND kind IN ({marks}) "
                "LIMIT ?)",
                (to_micros(before), *sorted(kinds), limit),
            )
            return int(cursor.rowcount)

    def drop_media_before(self, before: datetime, limit: int) -> int:
        """Drop sealed media (face crops, snapshots) of events older than ``before``."""
        with self._transaction() as conn:
            cursor = conn.execute(
                f"UPDATE events SET media = NULL WHERE id IN (SELECT id FROM events"
                f"{self._index_hint('events_time')} WHERE occurred_at < ? AND media IS NOT NULL "
                "LIMIT ?)",
                (to_micros(before), limit),
            )
            return int(cursor.rowcount)

    def drop_subject_media(self, site_id: str, subject_id: str) -> int:
        with self._transaction() as conn:
            cursor = conn.execute(
                "UPDATE events SET media = NULL WHERE site_id = ? AND subject_id = ? "
                "AND media IS NOT NULL",
                (site_id, subject_id),
            )
            return int(cursor.rowcount)

    def count_events(self) -> int:
        return int(self._read_one("SELECT count(*) FROM events")[0])


def _index_for(query: EventQuery) -> str:
    """Pick the index explicitly so every operator query is an ordered index range scan."""
    single_site = query.site_id is not None or (
        query.site_scope is not None and len(query.site_scope) == 1
    )
    if not single_site:
        return "events_time"
    if query.subject_ids is not None:
        return "events_subject_time"
    if query.device_id is not None:
        return "events_device_time"
    if query.family is not None:
        return "events_family_time"
    return "events_site_time"


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _site(row: Any) -> Site:
    return Site(row[0], row[1], row[2], row[3], row[4], _must_dt(row[5]))


def _zone(row: Any) -> Zone:
    return Zone(row[0], row[1], row[2], row[3], _must_dt(row[4]))


def _device(row: Any) -> Device:
    return Device(
        site_id=row[0],
        device_id=row[1],
        zone_id=row[2],
        kind=DeviceKind(row[3]),
        name=row[4],
        x=row[5],
        y=row[6],
        heartbeat_s=row[7],
        created_at=_must_dt(row[8]),
        last_seen_at=_dt(row[9]),
        token_id=row[10],
        token_issued_at=_dt(row[11]),
        token_revoked_at=_dt(row[12]),
        rotation=row[13],
    )


def _user_row(user: User) -> tuple[Any, ...]:
    scope = None if user.site_scope is None else orjson.dumps(list(user.site_scope)).decode()
    return (
        user.user_id,
        user.username,
        user.role,
        user.password_hash,
        _t(user.created_at),
        scope,
        int(user.disabled),
        int(user.must_change_password),
        _t(user.last_login_at),
        user.totp_secret,
        int(user.totp_enabled),
        user.failed_logins,
        _t(user.locked_until),
        user.totp_pending,
        user.totp_last_step,
    )


def _user(row: Any) -> User:
    scope = None if row[5] is None else tuple(orjson.loads(row[5]))
    return User(
        user_id=row[0],
        username=row[1],
        role=row[2],
        password_hash=row[3],
        created_at=_must_dt(row[4]),
        site_scope=scope,
        disabled=bool(row[6]),
        must_change_password=bool(row[7]),
        last_login_at=_dt(row[8]),
        totp_secret=row[9],
        totp_enabled=bool(row[10]),
        failed_logins=row[11],
        locked_until=_dt(row[12]),
        totp_pending=row[13],
        totp_last_step=row[14],
    )


def _api_key(row: Any) -> ApiKey:
    scopes = None if row[6] is None else tuple(orjson.loads(row[6]))
    return ApiKey(row[0], row[1], row[2], row[3], _must_dt(row[4]), _dt(row[5]), scopes)


def _event(row: Any) -> Event:
    return Event(
        id=UUID(bytes=row[0]),
        site_id=row[1],
        zone_id=row[2],
        device_id=row[3],
        kind=row[4],
        severity=Severity(row[5]),
        occurred_at=_must_dt(row[6]),
        received_at=_must_dt(row[7]),
        attributes=orjson.loads(row[8]),
        personal=None,
        note=row[10],
        subject_id=row[11],
        sealed_personal=row[9],
        sealed_media=row[12],
    )
