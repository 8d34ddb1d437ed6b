"""Tables of operators: users, API keys and web sessions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import orjson

from sitewarden.accounts.records import ApiKey, User, WebSession
from sitewarden.db.database import Database, _dt, _must_dt, _t

_USER_COLUMNS = (
    "user_id, username, role, password_hash, created_at, site_scope, disabled, "
    "must_change_password, last_login_at, totp_secret, totp_enabled, failed_logins, locked_until, "
    "totp_pending, totp_last_step"
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


_API_KEY_COLUMNS = "key_id, user_id, name, secret_hash, created_at, revoked_at, scopes, expires_at"
_SESSION_COLUMNS = (
    "session_hash, user_id, csrf_token, created_at, expires_at, second_factor, "
    "client_address, user_agent"
)


def _api_key(row: Any) -> ApiKey:
    scopes = None if row[6] is None else tuple(orjson.loads(row[6]))
    return ApiKey(
        row[0], row[1], row[2], row[3], _must_dt(row[4]), _dt(row[5]), scopes, _dt(row[7])
    )


def _web_session(row: Any) -> WebSession:
    return WebSession(
        row[0], row[1], row[2], _must_dt(row[3]), _must_dt(row[4]), bool(row[5]), row[6], row[7]
    )


class AccountTables:
    """Users, API keys and web sessions."""

    def __init__(self, db: Database) -> None:
        self._db = db

    # --- users, keys, sessions ---------------------------------------------------
    def add_user(self, user: User) -> None:
        self._db.write(
            f"INSERT INTO users ({_USER_COLUMNS}) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            _user_row(user),
        )

    def get_user(self, user_id: str) -> User | None:
        row = self._db.read_one(f"SELECT {_USER_COLUMNS} FROM users WHERE user_id = ?", (user_id,))
        return None if row is None else _user(row)

    def get_user_by_name(self, username: str) -> User | None:
        row = self._db.read_one(
            f"SELECT {_USER_COLUMNS} FROM users WHERE username = ?", (username,)
        )
        return None if row is None else _user(row)

    def list_users(self) -> list[User]:
        rows = self._db.read(f"SELECT {_USER_COLUMNS} FROM users ORDER BY username")
        return [_user(row) for row in rows]

    def update_user(self, user: User) -> None:
        values = _user_row(user)
        self._db.write(
            "UPDATE users SET username = ?, role = ?, password_hash = ?, created_at = ?, "
            "site_scope = ?, disabled = ?, must_change_password = ?, last_login_at = ?, "
            "totp_secret = ?, totp_enabled = ?, failed_logins = ?, locked_until = ?, "
            "totp_pending = ? WHERE user_id = ?",
            (*values[1:-1], values[0]),  # never totp_last_step: see claim_totp_step
        )

    def claim_totp_step(self, user_id: str, step: int) -> bool:
        """Record ``step`` as the user's last used TOTP step, unless it or a later one
        was used already (then False). One statement, so two sign-ins cannot both win."""
        changed = self._db.write(
            "UPDATE users SET totp_last_step = ? "
            "WHERE user_id = ? AND (totp_last_step IS NULL OR totp_last_step < ?)",
            (step, user_id, step),
        )
        return changed == 1

    def add_api_key(self, key: ApiKey) -> None:
        self._db.write(
            f"INSERT INTO api_keys ({_API_KEY_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                key.key_id,
                key.user_id,
                key.name,
                key.secret_hash,
                _t(key.created_at),
                _t(key.revoked_at),
                None if key.scopes is None else orjson.dumps(list(key.scopes)).decode(),
                _t(key.expires_at),
            ),
        )

    def get_api_key(self, key_id: str) -> ApiKey | None:
        row = self._db.read_one(
            f"SELECT {_API_KEY_COLUMNS} FROM api_keys WHERE key_id = ?", (key_id,)
        )
        return None if row is None else _api_key(row)

    def list_api_keys(self, user_id: str) -> list[ApiKey]:
        rows = self._db.read(
            f"SELECT {_API_KEY_COLUMNS} FROM api_keys WHERE user_id = ? ORDER BY created_at",
            (user_id,),
        )
        return [_api_key(row) for row in rows]

    def revoke_api_key(self, key_id: str, at: datetime) -> None:
        self._db.write("UPDATE api_keys SET revoked_at = ? WHERE key_id = ?", (_t(at), key_id))

    def add_web_session(self, session: WebSession) -> None:
        self._db.write(
            f"INSERT INTO web_sessions ({_SESSION_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                session.session_hash,
                session.user_id,
                session.csrf_token,
                _t(session.created_at),
                _t(session.expires_at),
                int(session.second_factor),
                session.client_address,
                session.user_agent,
            ),
        )

    def get_web_session(self, session_hash: bytes) -> WebSession | None:
        row = self._db.read_one(
            f"SELECT {_SESSION_COLUMNS} FROM web_sessions WHERE session_hash = ?", (session_hash,)
        )
        return None if row is None else _web_session(row)

    def list_user_sessions(self, user_id: str) -> list[WebSession]:
        """A user's cookie sessions, newest first (expired ones too, until used or ended)."""
        rows = self._db.read(
            f"SELECT {_SESSION_COLUMNS} FROM web_sessions WHERE user_id = ? "
            "ORDER BY created_at DESC",
            (user_id,),
        )
        return [_web_session(row) for row in rows]

    def delete_other_sessions(self, user_id: str, keep: bytes) -> int:
        """End every session of the user but ``keep``; how many ended."""
        return self._db.write(
            "DELETE FROM web_sessions WHERE user_id = ? AND session_hash <> ?", (user_id, keep)
        )

    def set_session_second_factor(self, session_hash: bytes) -> None:
        self._db.write(
            "UPDATE web_sessions SET second_factor = 1 WHERE session_hash = ?", (session_hash,)
        )

    def delete_web_session(self, session_hash: bytes) -> None:
        self._db.write("DELETE FROM web_sessions WHERE session_hash = ?", (session_hash,))

    def delete_user_sessions(self, user_id: str) -> None:
        self._db.write("DELETE FROM web_sessions WHERE user_id = ?", (user_id,))
