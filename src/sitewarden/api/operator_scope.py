"""What operator routes share: the sites an operator may see, what a site-scoped
operator may manage, and the audit entry for what they open or change.

Global objects (sites, users without a site scope, rules and webhooks for every site)
are managed by admins without a site scope only: a scoped admin gets 403 for them. Objects
of sites outside the caller's scope do not exist for it (404, like a missing one).

Routes with ``{site_id}`` in their path take the site as ``site: SiteInScope`` (the
``site_in_scope`` dependency), after their auth guard in the signature (``tests/
test_route_scope.py`` walks the route table for both). A purpose in a query is
``Purpose`` (required) or ``OptionalPurpose``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated

import orjson
from fastapi import Depends, Query, Request

from sitewarden.accounts.accounts import Operator
from sitewarden.accounts.records import User
from sitewarden.alerts.rules import DEFAULT_RULES, Rule
from sitewarden.api.context import AppContext, get_context
from sitewarden.errors import AuthenticationFailed, InvalidInput, NotFound, PermissionDenied
from sitewarden.registry.records import Site
from sitewarden.registry.service import require_site

PURPOSE_MIN, PURPOSE_MAX = 3, 200
PURPOSE_TEXT = "why you need the personal data (names, plates, images); audited"

# The purpose of opening personal data, in a query: required where the route opens it
# always, optional where without one nothing personal is shown.
Purpose = Annotated[
    str, Query(min_length=PURPOSE_MIN, max_length=PURPOSE_MAX, description=PURPOSE_TEXT)
]
OptionalPurpose = Annotated[
    str | None,
    Query(
        min_length=PURPOSE_MIN,
        max_length=PURPOSE_MAX,
        description=PURPOSE_TEXT + "; without it none is shown",
    ),
]


def check_site_scope(operator: Operator, site_id: str) -> None:
    """A site outside the operator's scope does not exist for them (404, like a missing
    one). Listings filtered by a site only need this; everything else ``visible_site``."""
    if not operator.sees_site(site_id):
        raise NotFound(f"site {site_id!r} not found")


def visible_site(context: AppContext, operator: Operator, site_id: str) -> Site:
    """The site, if the operator's scope covers it; otherwise it does not exist for them."""
    check_site_scope(operator, site_id)
    return require_site(context.store.registry, site_id)


def guarded_operator(request: Request) -> Operator:
    """The operator the route's auth guard (``Requires``) let in: it runs first, as it
    comes first in the route's signature. Without one nothing is let through."""
    operator = getattr(request.state, "operator", None)
    if not isinstance(operator, Operator):
        raise AuthenticationFailed(
            "sign in first: send 'Authorization: Bearer <API key>' or a session cookie"
        )
    return operator


def site_in_scope(
    site_id: str,
    operator: Operator = Depends(guarded_operator),
    context: AppContext = Depends(get_context),
) -> Site:
    """Dependency for routes with ``{site_id}`` in their path: the site, if it exists and
    the operator's scope covers it; otherwise 404 ``site '...' not found``.

    Declare it after the route's ``requires(...)`` operator, so that authentication and
    permissions answer first (401, 403)."""
    return visible_site(context, operator, site_id)


# A route's ``site: SiteInScope``: the site of its path, checked against the caller's scope.
SiteInScope = Annotated[Site, Depends(site_in_scope)]


def require_unscoped(operator: Operator, action: str) -> None:
    """Refuse a global action (one that reaches every site) to a site-scoped operator."""
    if operator.site_scope is not None:
        raise PermissionDenied(
            f"{action} is for admins without a site scope (it reaches every site); "
            "your account is limited to some sites"
        )


def within_scope(operator: Operator, sites: Sequence[str] | None) -> bool:
    """Whether all of ``sites`` (None: every site) lies in the operator's scope; for a
    scoped operator that takes at least one site and none outside its own."""
    if operator.site_scope is None:
        return True
    return bool(sites) and set(sites or ()) <= set(operator.site_scope)


def granted_scope(
    context: AppContext, operator: Operator, scope: Sequence[str] | None
) -> tuple[str, ...] | None:
    """The site scope the operator may give a user: sites that exist and that it sees;
    a scoped operator gives a non-empty part of its own scope, never every site."""
    if scope is None:
        require_unscoped(operator, "giving a user every site")
        return None
    for site_id in scope:
        visible_site(context, operator, site_id)
    if operator.site_scope is not None and not scope:
        raise InvalidInput("site_scope needs at least one of your sites")
    return tuple(scope)


def visible_user(context: AppContext, operator: Operator, user_id: str) -> User:
    """The user, if its scope lies within the operator's; otherwise it does not exist."""
    user = context.store.accounts.get_user(user_id)
    if user is None or not within_scope(operator, user.site_scope):
        raise NotFound(f"user {user_id!r} not found")
    return user


def rule_visible(operator: Operator, rule: Rule) -> bool:
    """Rules for every site apply to the operator's sites too; others show when all their
    sites are in its scope (a rule that names another site would reveal that site)."""
    return rule.sites is None or within_scope(operator, rule.sites)


def _saved_rule_sites(context: AppContext, rule_id: str) -> tuple[bool, list[str] | None]:
    """(whether a saved rule of this id exists, its sites; None: every site).

    The saved definition is read raw, so a saved rule that no longer validates still
    counts with the sites it names."""
    for stored_id, definition in context.store.rules.stored_rules():
        if stored_id == rule_id:
            try:
                sites = orjson.loads(definition).get("sites")
            except (orjson.JSONDecodeError, AttributeError):
                return True, None
            if isinstance(sites, list) and all(isinstance(s, str) for s in sites):
                return True, sites
            return True, None
    return False, None


def check_rule_save(context: AppContext, operator: Operator, rule: Rule) -> None:
    """A scoped admin saves rules for its own sites only, and cannot replace a rule for
    every site (the defaults among them) or one of another site."""
    if operator.site_scope is None:
        return
    exists, sites = _saved_rule_sites(context, rule.rule_id)
    if not exists and any(default.rule_id == rule.rule_id for default in DEFAULT_RULES):
        exists = True  # a default rule: it covers every site
    if exists and sites is None:
        require_unscoped(operator, f"replacing rule {rule.rule_id!r}")
    if exists and not within_scope(operator, sites):
        raise PermissionDenied(
            f"rule id {rule.rule_id!r} is taken by a rule outside your sites; choose another id"
        )
    if rule.sites is None:
        require_unscoped(operator, "saving a rule without 'sites'")
    if not rule.sites:
        raise InvalidInput("'sites' needs at least one of your sites")
    for site_id in rule.sites:
        visible_site(context, operator, site_id)


def check_rule_delete(context: AppContext, operator: Operator, rule_id: str) -> None:
    """A scoped admin deletes saved rules of its own sites only; another site's rule is
    missing for it, a rule for every site is refused."""
    if operator.site_scope is None:
        return
    exists, sites = _saved_rule_sites(context, rule_id)
    if exists and sites is None:
        require_unscoped(operator, f"deleting rule {rule_id!r}")
    if exists and not within_scope(operator, sites):
        raise NotFound(f"no saved rule {rule_id!r} (defaults can be replaced, not deleted)")


def record_audit(
    context: AppContext,
    request: Request,
    operator: Operator,
    action: str,
    site_id: str | None,
    targets: list[str],
    purpose: str | None,
) -> None:
    """One audit entry for the operator's request (its request id included); ``site_id``
    None where what was opened spans sites."""
    context.audit.record(
        actor=operator.username,
        role=operator.role.value,
        action=action,
        targets=targets,
        site_id=site_id,
        purpose=purpose,
        request_id=getattr(request.state, "request_id", None),
        address=request.client.host if request.client else None,
    )
