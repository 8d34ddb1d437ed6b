"""Administrators see and revoke other operators' API keys (a leaked key, a person who
left): within their site scope, as for the accounts themselves."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Request, Response

from sitewarden.api.authentication import UserManager, UserReader
from sitewarden.api.context import Context
from sitewarden.api.operator_scope import record_audit, visible_user
from sitewarden.api.schemas import ApiKeyOut
from sitewarden.api.users import api_key_out
from sitewarden.errors import NotFound

router = APIRouter(prefix="/api/v1/users", tags=["operators"])


@router.get("/{user_id}/api-keys", response_model=list[ApiKeyOut])
def list_user_api_keys(user_id: str, operator: UserReader, context: Context) -> list[ApiKeyOut]:
    user = visible_user(context, operator, user_id)
    return [api_key_out(key) for key in context.store.accounts.list_api_keys(user.user_id)]


@router.delete("/{user_id}/api-keys/{key_id}", status_code=204, response_class=Response)
def revoke_user_api_key(
    user_id: str, key_id: str, request: Request, operator: UserManager, context: Context
) -> Response:
    user = visible_user(context, operator, user_id)
    key = context.store.accounts.get_api_key(key_id)
    if key is None or key.user_id != user.user_id:
        raise NotFound(f"API key {key_id!r} of user {user_id!r} not found")
    if key.revoked_at is None:
        context.store.accounts.revoke_api_key(key_id, datetime.now(UTC))
    targets = [key_id, user.user_id]
    record_audit(context, request, operator, "api_key.revoke", None, targets, None)
    return Response(status_code=204)
