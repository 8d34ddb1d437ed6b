"""What access decisions read: access's own tables, the registry (readers are devices,
sites have timezones) and consents (a face is matched only with consent on record)."""

from __future__ import annotations

from dataclasses import dataclass

from sitewarden.access.tables import AccessTables
from sitewarden.privacy.tables import PrivacyTables
from sitewarden.registry.tables import RegistryTables


@dataclass(frozen=True)
class AccessData:
    access: AccessTables
    registry: RegistryTables
    consents: PrivacyTables
