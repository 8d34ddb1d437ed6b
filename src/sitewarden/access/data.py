"""What access decisions read: access's own tables, the registry (readers are devices,
sites have timezones), consents (a face is matched only with consent on record) and
named groups (a rule may name one)."""

from __future__ import annotations

from dataclasses import dataclass

from sitewarden.access.groups import AccessGroupTables
from sitewarden.access.tables import AccessTables
from sitewarden.privacy.tables import PrivacyTables
from sitewarden.registry.tables import RegistryTables


@dataclass(frozen=True)
class AccessData:
    access: AccessTables
    registry: RegistryTables
    consents: PrivacyTables
    groups: AccessGroupTables
