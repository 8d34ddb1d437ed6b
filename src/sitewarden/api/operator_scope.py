"""What operator routes share: the sites an operator may see, and the audit entry
for what they open or change."""

from __future__ import annotations

from fastapi import Request

from sitewarden.api.context import AppContext
from sitewarden.auth.accounts import Operator
from sitewarden.errors import NotFound
from sitewarden.registry.service import require_site
from sitewarden.store.records import Site


def visible_site(context: AppContext, operator: Operator, site_id: str) -> Site:
    """The site, if the operator's scope covers it; otherwise it does not exist for them."""
    if not operator.sees_site(site_id):
        raise NotFound(f"site {site_id!r} not found")
    return require_site(context.store, site_id)


def record_audit(
    context: AppContext,
    request: Request,
    operator: Operator,
    action: str,
    site_id: str,
    targets: list[str],
    purpose: str | None,
) -> None:
    """One audit entry for the operator's request (its request id included)."""
    context.audit.record(
        actor=operator.username,
        role=operator.role.value,
        action=action,
        targets=targets,
        site_id=site_id,
        purpose=purpose,
        request_id=getattr(request.state, "request_id", None),
    )
