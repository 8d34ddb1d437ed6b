"""Which of a site's plate formats a plate someone typed fits, and how it reads there:
the review queue shows it while a guard corrects a read. Nothing is stored or opened."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict

from sitewarden.api.authentication import ParkingReviewer
from sitewarden.api.context import Context
from sitewarden.api.garage.common import AppGateDesk
from sitewarden.api.operator_scope import SiteInScope
from sitewarden.api.parking_schemas import PlateText
from sitewarden.vision.plate_formats import match_plate

router = APIRouter(prefix="/api/v1", tags=["parking"])


class PlateCheckIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    plate: str = PlateText


class FormatFitOut(BaseModel):
    format: str
    description: str
    display: str  # the plate as that format prints it
    fixes: int  # characters the format changed by position (O -> 0, I -> 1)


@router.post(
    "/parking/sites/{site_id}/plate-check",
    response_model=list[FormatFitOut],
    summary="The site's plate formats a typed plate fits, in the site's order (stores nothing)",
)
def check_plate(
    site_id: str,
    body: PlateCheckIn,
    operator: ParkingReviewer,
    context: Context,
    site: SiteInScope,
    desk: AppGateDesk,
) -> list[FormatFitOut]:
    fits = []
    for plate_format in desk.gates.formats(site_id):
        match = match_plate(body.plate, [plate_format])
        if match is not None:
            fits.append(
                FormatFitOut(
                    format=plate_format.name,
                    description=plate_format.description,
                    display=match.display,
                    fixes=match.fixes,
                )
            )
    return fits
