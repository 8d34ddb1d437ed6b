"""Where in a frame the plate reader looks again: around the text its quick look
found (the close look, at native resolution), the plate picture around an unsure read
(the picture look), and the places the second reader reads when the first found no
sure plate (``plates.PlateReader``)."""

from __future__ import annotations

from collections.abc import Sequence

from sitewarden.vision.plate_candidates import Box, TextLine, overlap
from sitewarden.vision.plate_checks import Judged
from sitewarden.vision.plate_formats import compact_plate

CLOSE_LOOK_LINES = 8  # text lines of the quick look worth a close look
SECOND_BOXES = 4  # places the second reader reads when the first found no sure plate
# A plate picture, as gate cameras send beside the scene: the plate with this share of
# its width (each side) and of its height (above and below) around it. A frame no longer
# than PICTURE_MAX_SIDE and at least PICTURE_ASPECT times as wide as high is one.
PICTURE_MARGIN = (0.1, 0.3)
PICTURE_MAX_SIDE = 400
PICTURE_ASPECT = 1.5


def regions_around(lines: Sequence[TextLine], width: int, height: int) -> list[Box]:
    """Where to look closer: each line's box grown by its height on every side (room for
    a plate's other row or a border the quick look cut), overlapping ones merged."""
    regions: list[Box] = []
    for line in lines[:CLOSE_LOOK_LINES]:
        left, top, right, bottom = line.box
        margin = max(bottom - top, 8)
        grown = (
            max(left - margin, 0),
            max(top - margin, 0),
            min(right + margin, width),
            min(bottom + margin, height),
        )
        for other in list(regions):
            if (
                grown[0] < other[2]
                and other[0] < grown[2]
                and grown[1] < other[3]
                and (other[1] < grown[3])
            ):
                regions.remove(other)
                grown = (
                    min(grown[0], other[0]),
                    min(grown[1], other[1]),
                    max(grown[2], other[2]),
                    max(grown[3], other[3]),
                )
        regions.append(grown)
    return regions


def second_boxes(
    judged: Judged | None, located: Sequence[TextLine], seen: Sequence[TextLine]
) -> list[Box]:
    """Where the second reader looks: the first reader's plate, the plates the detector
    ``located``, then the text lines ``seen`` of four or more characters, largest first;
    each place once."""
    boxes = [judged.plate.box] if judged is not None else []
    lines = [*located, *sorted(seen, key=lambda line: -(line.box[2] - line.box[0]))]
    for line in lines:
        if len(compact_plate(line.text)) >= 4 and not any(
            overlap(line.box, box) > 0.7 for box in boxes
        ):
            boxes.append(line.box)
    return boxes[:SECOND_BOXES]


def picture_around(box: Box, width: int, height: int) -> Box:
    """``box`` grown into a plate picture (``PICTURE_MARGIN``), inside the frame."""
    left, top, right, bottom = box
    across, down = PICTURE_MARGIN[0] * (right - left), PICTURE_MARGIN[1] * (bottom - top)
    return (
        max(0, round(left - across)),
        max(0, round(top - down)),
        min(width, round(right + across)),
        min(height, round(bottom + down)),
    )


def picture_places(judged: Judged | None, width: int, height: int) -> list[Box]:
    """Where the picture look reads: the unsure plate's box grown into a plate picture;
    with no plate read, the whole frame when it is a plate picture itself."""
    if judged is not None:
        return [picture_around(judged.plate.box, width, height)]
    if max(width, height) <= PICTURE_MAX_SIDE and width >= PICTURE_ASPECT * height:
        return [(0, 0, width, height)]
    return []
