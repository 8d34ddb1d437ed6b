"""One's own cookie sessions: when and where each was opened, and signing out of all
of them but the one in use (a browser left signed in somewhere, a lost laptop)."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Request

from sitewarden.api.authentication import SESSION_COOKIE, SignedIn
from sitewarden.api.context import Context
from sitewarden.api.operator_scope import record_audit
from sitewarden.api.schemas import EndedSessions, SessionOut
from sitewarden.tokens import hash_secret

router = APIRouter(prefix="/api/v1/me/sessions", tags=["operators"])


def _current_hash(request: Request) -> bytes:
    cookie = request.cookies.get(SESSION_COOKIE)
    return b"" if cookie is None else hash_secret(cookie)


@router.get("", response_model=list[SessionOut], summary="Your signed-in sessions")
def list_own_sessions(request: Request, operator: SignedIn, context: Context) -> list[SessionOut]:
    """Sessions not expired yet (an expired one is removed when next used)."""
    current, now = _current_hash(request), datetime.now(UTC)
    return [
        SessionOut(
            created_at=session.created_at,
            expires_at=session.expires_at,
            client_address=session.client_address,
            user_agent=session.user_agent,
            second_factor=session.second_factor,
            current=session.session_hash == current,
        )
        for session in context.store.accounts.list_user_sessions(operator.user_id)
        if session.expires_at > now
    ]


@router.post(
    "/end-others",
    response_model=EndedSessions,
    summary="Sign out everywhere else: every session of yours but this one ends",
)
def end_other_sessions(request: Request, operator: SignedIn, context: Context) -> EndedSessions:
    ended = context.store.accounts.delete_other_sessions(operator.user_id, _current_hash(request))
    record_audit(context, request, operator, "user.sessions_end", None, [operator.user_id], None)
    return EndedSessions(ended=ended)
