"""Storage: every feature's tables over one database, put together once.

Each feature owns its tables (``registry/tables.py``, ``alerts/tables.py``, ...) and
writes its own SQL against :class:`~sitewarden.db.database.Database`; this module only
assembles them over one database, so that a caller holds one object and reaches each
feature's tables by name: ``storage.registry.get_site(...)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sitewarden.access.data import AccessData
from sitewarden.access.groups import AccessGroupTables
from sitewarden.access.media_tables import AccessMediaTables
from sitewarden.access.tables import AccessTables
from sitewarden.accounts.tables import AccountTables
from sitewarden.alerts.alarm_actions import AlarmActions
from sitewarden.alerts.alert_search import AlertSearch
from sitewarden.alerts.batch_transaction import BatchTransaction
from sitewarden.alerts.health_tables import DeviceHealthTables
from sitewarden.alerts.rule_tables import RuleTables
from sitewarden.alerts.tables import AlertTables
from sitewarden.alerts.webhook_tables import WebhookTables
from sitewarden.config import Settings
from sitewarden.db.database import Database
from sitewarden.db.sqlite import SQLiteDatabase
from sitewarden.intake.event_tables import EventTables
from sitewarden.occupancy.tables import OccupancyTables
from sitewarden.parking.config_tables import ParkingConfigTables
from sitewarden.parking.data import ParkingData
from sitewarden.parking.lane_frames import LaneFrameTables
from sitewarden.parking.review_frames import ReviewFrameTables
from sitewarden.parking.review_tables import GateReviewTables
from sitewarden.parking.session_tables import ParkingSessionTables
from sitewarden.privacy.consent import MediaEraser
from sitewarden.privacy.tables import PrivacyTables
from sitewarden.registry.tables import RegistryTables


@dataclass(frozen=True)
class Storage:
    """Every feature's tables over one database."""

    db: Database
    registry: RegistryTables
    accounts: AccountTables
    privacy: PrivacyTables
    events: EventTables
    batch: BatchTransaction
    alerts: AlertTables
    alert_search: AlertSearch
    alarms: AlarmActions
    health: DeviceHealthTables
    rules: RuleTables
    webhooks: WebhookTables
    occupancy: OccupancyTables
    parking: ParkingSessionTables
    parking_reviews: GateReviewTables
    parking_config: ParkingConfigTables
    review_frames: ReviewFrameTables
    lane_frames: LaneFrameTables
    access: AccessTables
    access_media: AccessMediaTables
    access_groups: AccessGroupTables

    @classmethod
    def over(cls, db: Database) -> Storage:
        events = EventTables(db)
        alerts = AlertTables(db)
        health = DeviceHealthTables(db, alerts)
        return cls(
            db=db,
            registry=RegistryTables(db),
            accounts=AccountTables(db),
            privacy=PrivacyTables(db),
            events=events,
            batch=BatchTransaction(db, events, alerts, health),
            alerts=alerts,
            alert_search=AlertSearch(db),
            alarms=AlarmActions(db, alerts),
            health=health,
            rules=RuleTables(db),
            webhooks=WebhookTables(db),
            occupancy=OccupancyTables(db),
            parking=ParkingSessionTables(db),
            parking_reviews=GateReviewTables(db),
            parking_config=ParkingConfigTables(db),
            review_frames=ReviewFrameTables(db),
            lane_frames=LaneFrameTables(db),
            access=AccessTables(db),
            access_media=AccessMediaTables(db),
            access_groups=AccessGroupTables(db),
        )

    @classmethod
    def sqlite(cls, path: Path, **options: Any) -> Storage:
        """Open (and migrate) one SQLite file."""
        return cls.over(SQLiteDatabase(path, **options))

    @classmethod
    def postgres(cls, url: str, **options: Any) -> Storage:
        """Open (and migrate) a PostgreSQL database; psycopg is imported only here."""
        from sitewarden.db.postgres import PostgresDatabase

        return cls.over(PostgresDatabase(url, **options))

    def parking_data(self) -> ParkingData:
        """What parking reads and writes."""
        return ParkingData(
            self.parking,
            self.parking_reviews,
            self.parking_config,
            self.registry,
            self.review_frames,
            self.lane_frames,
        )

    def access_data(self) -> AccessData:
        """What access decisions read."""
        return AccessData(self.access, self.registry, self.privacy, self.access_groups)

    def biometric_media(self) -> dict[str, list[MediaEraser]]:
        """What erases a subject's biometric media when a consent is withdrawn, by its
        purpose: for access, face crops in events and every face template; for
        face_learning, the templates learned at readers."""
        return {
            "access": [self.events.drop_subject_media, self.access.drop_face_templates],
            "face_learning": [self.access.drop_learned_templates],
        }

    def close(self) -> None:
        self.db.close()


def open_storage(settings: Settings) -> Storage:
    """Open (and migrate) the database the settings name."""
    target = settings.database
    if target.postgres_url is not None:
        return Storage.postgres(target.postgres_url)
    assert target.sqlite_path is not None
    return Storage.sqlite(target.sqlite_path)


__all__ = ["Storage", "open_storage"]
