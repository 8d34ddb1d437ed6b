"""Webhook routes: register, list and delete receivers of alert changes; dead letters.

A webhook for one site belongs to that site: a site-scoped admin manages only those of
its sites, and never one for every site (a global object). Targets on non-public
addresses are refused unless ``webhook_allowed_networks`` allows their range.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

import orjson
from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, ConfigDict, Field, HttpUrl

from sitewarden.accounts.accounts import Operator
from sitewarden.alerts.webhook_records import Webhook
from sitewarden.alerts.webhook_targets import check_target, parse_networks
from sitewarden.api.authentication import WebhookManager
from sitewarden.api.context import Context
from sitewarden.api.operator_scope import record_audit, require_unscoped, visible_site
from sitewarden.errors import NotFound
from sitewarden.events.kinds import Severity

router = APIRouter(prefix="/api/v1", tags=["alerts"])


class WebhookIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    url: HttpUrl
    site_id: str | None = Field(default=None, max_length=64)
    min_severity: Severity = Severity.MAJOR


class WebhookOut(BaseModel):
    webhook_id: str
    url: str
    site_id: str | None
    min_severity: str
    enabled: bool
    created_at: datetime


class CreatedWebhook(WebhookOut):
    secret: str = Field(description="signs every delivery (HMAC-SHA256); shown once")


class DeliveryOut(BaseModel):
    delivery_id: str
    webhook_id: str
    alert_id: str
    attempts: int
    last_error: str | None
    created_at: datetime
    payload: dict[str, Any]


def webhook_out(hook: Webhook) -> WebhookOut:
    return WebhookOut.model_validate(hook, from_attributes=True)


def hook_visible(operator: Operator, hook: Webhook) -> bool:
    """A webhook for every site is global; one for a site shows to those who see the site."""
    if operator.site_scope is None:
        return True
    return hook.site_id is not None and operator.sees_site(hook.site_id)


@router.get("/webhooks", response_model=list[WebhookOut])
def list_webhooks(operator: WebhookManager, context: Context) -> list[WebhookOut]:
    return [
        webhook_out(hook)
        for hook in context.store.webhooks.list_webhooks()
        if hook_visible(operator, hook)
    ]


@router.post("/webhooks", response_model=CreatedWebhook, status_code=201)
def create_webhook(
    body: WebhookIn, request: Request, operator: WebhookManager, context: Context
) -> CreatedWebhook:
    if body.site_id is None:
        require_unscoped(operator, "a webhook without a site_id")
    else:
        visible_site(context, operator, body.site_id)
    allowed = parse_networks(context.settings.webhook_allowed_networks)
    check_target(str(body.url), allowed)
    hook = Webhook(
        uuid.uuid4().hex,
        body.site_id,
        str(body.url),
        secrets.token_urlsafe(32),
        body.min_severity.value,
        True,
        datetime.now(UTC),
    )
    context.store.webhooks.add_webhook(hook)
    targets = [hook.webhook_id]
    record_audit(context, request, operator, "webhook.create", hook.site_id, targets, None)
    return CreatedWebhook(**webhook_out(hook).model_dump(), secret=hook.secret)


@router.delete("/webhooks/{webhook_id}", status_code=204, response_class=Response)
def delete_webhook(
    webhook_id: str, request: Request, operator: WebhookManager, context: Context
) -> Response:
    hook = context.store.webhooks.get_webhook(webhook_id)
    if hook is None or not hook_visible(operator, hook):
        raise NotFound(f"webhook {webhook_id!r} not found")
    context.store.webhooks.delete_webhook(webhook_id)
    targets = [webhook_id]
    record_audit(context, request, operator, "webhook.delete", hook.site_id, targets, None)
    return Response(status_code=204)


@router.get(
    "/webhooks/dead-letters",
    response_model=list[DeliveryOut],
    summary="Deliveries that failed every retry, or were refused (the reason in last_error)",
)
def dead_letters(operator: WebhookManager, context: Context) -> list[DeliveryOut]:
    # Filtered in the query, so a scoped admin gets its own newest dead letters
    # however many other sites have.
    visible = None
    if operator.site_scope is not None:
        visible = [
            hook.webhook_id
            for hook in context.store.webhooks.list_webhooks()
            if hook_visible(operator, hook)
        ]
    return [
        DeliveryOut.model_validate({**asdict(d), "payload": orjson.loads(d.payload)})
        for d in context.store.webhooks.deliveries("dead", webhook_ids=visible)
    ]
