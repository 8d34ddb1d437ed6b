"""Roles and what each may do. The one place that decides permissions."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"
    OPERATOR = "operator"
    AUDITOR = "auditor"
    VIEWER = "viewer"


class Permission(StrEnum):
    EVENTS_READ = "events:read"
    REGISTRY_READ = "registry:read"
    REGISTRY_WRITE = "registry:write"
    USERS_READ = "users:read"
    USERS_MANAGE = "users:manage"
    SELF = "self"  # one's own profile, password and API keys


ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: frozenset(Permission),
    Role.OPERATOR: frozenset({Permission.EVENTS_READ, Permission.REGISTRY_READ, Permission.SELF}),
    Role.AUDITOR: frozenset(
        {Permission.EVENTS_READ, Permission.REGISTRY_READ, Permission.USERS_READ, Permission.SELF}
    ),
    Role.VIEWER: frozenset({Permission.EVENTS_READ, Permission.REGISTRY_READ, Permission.SELF}),
}


def role_may(role: Role, permission: Permission) -> bool:
    return permission in ROLE_PERMISSIONS[role]


def roles_with(permission: Permission) -> frozenset[Role]:
    return frozenset(role for role, granted in ROLE_PERMISSIONS.items() if permission in granted)
