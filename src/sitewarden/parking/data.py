"""What parking reads and writes, as one object to hand its services."""

from __future__ import annotations

from dataclasses import dataclass

from sitewarden.parking.config_tables import ParkingConfigTables
from sitewarden.parking.lane_frames import LaneFrameTables
from sitewarden.parking.review_frames import ReviewFrameTables
from sitewarden.parking.review_tables import GateReviewTables
from sitewarden.parking.session_tables import ParkingSessionTables
from sitewarden.registry.tables import RegistryTables


@dataclass(frozen=True)
class ParkingData:
    """What parking reads and writes: its own tables, and the registry (lanes are
    devices, garages are zones)."""

    sessions: ParkingSessionTables
    reviews: GateReviewTables  # the last read per plate and lane; the review queue
    config: ParkingConfigTables
    registry: RegistryTables
    frames: ReviewFrameTables  # frames of reads waiting for review
    lane_frames: LaneFrameTables  # each lane's last frame
