"""Roles and what each may do. The one place that decides permissions."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"
    OPERATOR = "operator"
    PRIVACY_OFFICER = "privacy_officer"
    AUDITOR = "auditor"
    VIEWER = "viewer"


class Permission(StrEnum):
    EVENTS_READ = "events:read"
    REGISTRY_READ = "registry:read"
    REGISTRY_WRITE = "registry:write"
    USERS_READ = "users:read"
    USERS_MANAGE = "users:manage"
    SELF = "self"  # one's own profile, password and API keys
    PERSONAL_READ = "personal:read"  # see personal fields in full (with a purpose, audited)
    PERSONAL_MASKED = "personal:masked"  # see them masked (with a purpose, audited)
    LOOKUP = "personal:lookup"  # find events by plate, ID number or badge (audited)
    SUBJECT_REQUESTS = "subjects:requests"  # export and erase a person's or vehicle's data
    CONSENT_MANAGE = "consent:manage"
    AUDIT_READ = "audit:read"
    ALERTS_READ = "alerts:read"
    ALERTS_HANDLE = "alerts:handle"  # acknowledge and resolve
    RULES_MANAGE = "rules:manage"
    WEBHOOKS_MANAGE = "webhooks:manage"
    PARKING_READ = "parking:read"  # garages, sessions, occupancy and revenue
    PARKING_MANAGE = "parking:manage"  # lanes, tariffs, vehicles, lists, permits
    PARKING_REVIEW = "parking:review"  # resolve unsure plate reads
    PARKING_PAY = "parking:pay"  # record payments (pay stations and apps use such a key)
    ACCESS_READ = "access:read"  # people, badges, rules and decisions (names only with a purpose)
    ACCESS_MANAGE = "access:manage"  # enrol people, badges and faces; rules; bar people
    ATTENDANCE_READ = "attendance:read"  # staff attendance (names only with a purpose)
    SNAPSHOTS_READ = "snapshots:read"  # blurred snapshots of ordinary cameras (audited)
    DOORS_UNLOCK = "doors:unlock"  # open a door remotely, with a reason (audited)
    DOCTOR_READ = "doctor:read"  # the doctor's findings in the console (admins only)


ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: frozenset(Permission),
    Role.PRIVACY_OFFICER: frozenset(
        {
            Permission.EVENTS_READ,
            Permission.REGISTRY_READ,
            Permission.SELF,
            Permission.PERSONAL_READ,
            Permission.LOOKUP,
            Permission.SUBJECT_REQUESTS,
            Permission.CONSENT_MANAGE,
            Permission.AUDIT_READ,
            Permission.ALERTS_READ,
            Permission.PARKING_READ,
            Permission.ACCESS_READ,
        }
    ),
    Role.OPERATOR: frozenset(
        {
            Permission.EVENTS_READ,
            Permission.REGISTRY_READ,
            Permission.SELF,
            Permission.PERSONAL_MASKED,
            Permission.LOOKUP,
            Permission.ALERTS_READ,
            Permission.ALERTS_HANDLE,
            Permission.PARKING_READ,
            Permission.PARKING_REVIEW,
            Permission.PARKING_PAY,
            Permission.ACCESS_READ,
            Permission.ATTENDANCE_READ,
            Permission.SNAPSHOTS_READ,
            Permission.DOORS_UNLOCK,
        }
    ),
    Role.AUDITOR: frozenset(
        {
            Permission.EVENTS_READ,
            Permission.REGISTRY_READ,
            Permission.USERS_READ,
            Permission.SELF,
            Permission.AUDIT_READ,
            Permission.ALERTS_READ,
            Permission.PARKING_READ,
        }
    ),
    Role.VIEWER: frozenset(
        {
            Permission.EVENTS_READ,
            Permission.REGISTRY_READ,
            Permission.SELF,
            Permission.ALERTS_READ,
            Permission.PARKING_READ,
        }
    ),
}


def role_may(role: Role, permission: Permission) -> bool:
    return permission in ROLE_PERMISSIONS[role]


def roles_with(permission: Permission) -> frozenset[Role]:
    return frozenset(role for role, granted in ROLE_PERMISSIONS.items() if permission in granted)
