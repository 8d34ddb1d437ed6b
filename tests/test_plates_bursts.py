"""Frames of one car vote (vision/plate_bursts.py): the rules, a lane's memory, and real
photos from the development set read as a burst."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from bench.plate_photos import blurred, devsets_folder, jpeg, load_photos, smaller
from PIL import Image

from sitewarden.parking.lane_bursts import KEPT, LaneBursts
from sitewarden.vision.images import GATE_FRAME, decode_image
from sitewarden.vision.plate_bursts import FrameRead, disputed, same_car, settled
from sitewarden.vision.plate_formats import DEFAULT_FORMATS, resolve_formats
from sitewarden.vision.plates import FrameReading, PlateReader

SURE = (0.99,) * 7
FORMATS = resolve_formats(DEFAULT_FORMATS)
PHOTOS = {photo.path.name: photo for photo in load_photos(devsets_folder() / "plates")}
needs_photos = pytest.mark.skipif(
    not PHOTOS, reason=f"no plate development set at {devsets_folder() / 'plates'}"
)


def unsure(plate: str, province: float) -> FrameRead:
    """A read unsure only of its first character, at ``province``."""
    return FrameRead(plate, (province, 0.98, 0.99, 1.0, 1.0, 0.97, 0.99), False, True)


# --- the rules --------------------------------------------------------------------------
def test_reads_of_one_length_differing_in_two_characters_or_fewer_are_one_car() -> None:
    assert same_car("粤A82349", "鄂A82349")
    assert same_car("粤A82349", "鄂A82346")
    assert not same_car("粤A82349", "鄂B82346")
    assert not same_car("粤A82349", "粤AD82349")


def test_an_unsure_read_another_frame_read_alike_and_surely_is_settled() -> None:
    """The count is of the frames that read the plate alike, the read's own included."""
    assert settled(unsure("浙C01701", 0.54), [unsure("浙C01701", 0.63)]) == 2
    assert settled(unsure("粤A82349", 0.41), [FrameRead("粤A82349", SURE, True)]) == 2
    three = [unsure("浙C01701", 0.63), FrameRead("浙C01702", SURE, False), unsure("浙C01701", 0.5)]
    assert settled(unsure("浙C01701", 0.54), three) == 3


def test_frames_unsure_of_the_same_character_settle_nothing() -> None:
    """Each character must reach 0.6 in one of the frames, as for two looks."""
    assert not settled(unsure("浙C01701", 0.54), [unsure("浙C01701", 0.58)])


def test_a_frame_sent_again_is_not_a_second_frame() -> None:
    again = unsure("浙C01701", 0.66)
    assert not settled(again, [again])


def test_only_a_read_unsure_of_its_characters_alone_is_settled() -> None:
    """A read doubted for its colour, or by a vote or the second reader, stays unsure."""
    doubted = FrameRead("浙C01701", (0.66, *SURE[1:]), False, settleable=False)
    assert not settled(doubted, [FrameRead("浙C01701", SURE, True)])


def test_a_read_no_earlier_frame_read_alike_stays_unsure() -> None:
    assert not settled(unsure("浙C01701", 0.54), [])
    assert not settled(unsure("浙C01701", 0.54), [FrameRead("浙C01702", SURE, False)])


def test_an_agreeing_pair_is_not_settled_when_an_earlier_frame_surely_read_otherwise() -> None:
    earlier = [unsure("浙C01701", 0.62), FrameRead("湘C01701", SURE, True)]
    assert not settled(unsure("浙C01701", 0.54), earlier)


def test_a_sure_read_an_earlier_frame_of_the_car_surely_read_otherwise_is_doubted() -> None:
    """粤A82349 at 70 % of its size reads 鄂 at 0.92, sure alone."""
    doubt = disputed(FrameRead("鄂A82349", SURE, True), [FrameRead("粤A82349", SURE, True)])
    assert doubt == "an earlier frame of this car surely read a character otherwise"


def test_unsure_frames_that_read_otherwise_do_not_doubt_a_sure_read() -> None:
    """Frames do not vote character by character: on 21,000 bursts of copies of the
    development photos that doubted 20 right reads and caught no wrong one."""
    earlier = [unsure("粤A82349", 0.7), unsure("粤A82349", 0.65)]
    assert disputed(FrameRead("鄂A82349", (0.92, *SURE[1:]), True), earlier) is None


def test_another_car_has_no_vote() -> None:
    assert disputed(FrameRead("鄂A82349", SURE, True), [FrameRead("粤B17C30", SURE, True)]) is None
    assert disputed(FrameRead("鄂A82349", SURE, True), [FrameRead("鄂A82349", SURE, True)]) is None


# --- a lane's memory --------------------------------------------------------------------
class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def reads(bursts: LaneBursts, device_id: str) -> list[FrameRead]:
    return [seen.read for seen in bursts.earlier("s", device_id)]


def test_a_lane_remembers_its_reads_for_the_window_only() -> None:
    clock = Clock()
    bursts = LaneBursts(3.0, clock)
    first, second = unsure("浙C01701", 0.54), unsure("浙C01701", 0.63)
    bursts.remember("s", "lane-1", first)
    clock.now += 2
    bursts.remember("s", "lane-1", second, "review-2")
    assert reads(bursts, "lane-1") == [first, second]
    assert bursts.earlier("s", "lane-1")[1].review_id == "review-2"
    assert bursts.earlier("s", "lane-2") == [] and bursts.earlier("t", "lane-1") == []
    clock.now += 1.5
    assert reads(bursts, "lane-1") == [second]
    clock.now += 2
    assert bursts.earlier("s", "lane-1") == []


def test_the_window_counts_back_from_when_the_asking_frame_arrived() -> None:
    """A busy reader takes seconds over a frame: the car's earlier read still counts for
    the frame that arrived within the window, however late its own read is done."""
    clock = Clock()
    bursts = LaneBursts(3.0, clock)
    first = unsure("浙C01701", 0.54)
    bursts.remember("s", "lane-1", first)
    clock.now += 2
    arrived = bursts.now()
    clock.now += 3.5  # the second frame's read is done 5.5 s after the first
    bursts.remember("s", "lane-2", unsure("粤A82349", 0.41))  # another lane meanwhile
    assert bursts.earlier("s", "lane-1") == []  # a frame arriving now: too late
    assert bursts.earlier("s", "lane-1", arrived + 1.5) == []
    assert [seen.read for seen in bursts.earlier("s", "lane-1", arrived)] == [first]


def test_old_reads_leave_memory_at_any_lane_s_next_frame() -> None:
    clock = Clock()
    bursts = LaneBursts(3.0, clock)
    bursts.remember("s", "lane-1", unsure("浙C01701", 0.54))
    clock.now += 10
    bursts.remember("s", "lane-2", unsure("粤A82349", 0.41))
    assert set(bursts._lanes) == {("s", "lane-2")}  # no plate of lane-1 is held any more


def test_a_lane_keeps_its_last_reads_only() -> None:
    bursts = LaneBursts(3.0, Clock())
    sent = [unsure("浙C01701", 0.5 + index / 100) for index in range(KEPT + 3)]
    for read in sent:
        bursts.remember("s", "lane-1", read)
    assert reads(bursts, "lane-1") == sent[-KEPT:]


def test_a_window_of_zero_turns_the_vote_off() -> None:
    bursts = LaneBursts(0.0, Clock())
    bursts.remember("s", "lane-1", unsure("浙C01701", 0.54))
    assert bursts.earlier("s", "lane-1") == []


# --- real photos read as a burst --------------------------------------------------------
@pytest.fixture(scope="module")
def reader() -> PlateReader:
    reader = PlateReader(threads=1)
    reader.load()
    return reader


def frame(name: str, make: Callable[[Image.Image], bytes] | None = None) -> Image.Image:
    photo = PHOTOS[name]
    data = Path(photo.path).read_bytes() if make is None else make(Image.open(photo.path))
    return decode_image(data, "image/jpeg", GATE_FRAME)


def blurry(image: Image.Image) -> bytes:
    return blurred(image.convert("RGB"), 1.2)


def coarse(image: Image.Image) -> bytes:
    return jpeg(image.convert("RGB"), 45)


def remembered(reading: FrameReading) -> FrameRead:
    read = reading.frame_read(reading.doubt is None)
    assert read is not None
    return read


@needs_photos
def test_two_unsure_frames_of_a_car_settle_it(reader: PlateReader) -> None:
    """川A82M83: blurred, its M is read at 0.55; saved at JPEG 45, its 川 at 0.46. Each
    frame alone goes to review; together every character is sure in one of them."""
    first = reader.read_plate(frame("cn_blue_036.jpg", blurry), FORMATS)
    later = frame("cn_blue_036.jpg", coarse)
    alone = reader.read_plate(later, FORMATS)
    assert first.doubt is not None and first.settleable
    assert alone.doubt is not None and alone.plate is not None
    voted = reader.read_plate(later, FORMATS, [remembered(first)])
    assert voted.plate is not None and voted.plate.match.compact == "川A82M83"
    assert voted.doubt is None
    assert (first.frames, alone.frames, voted.frames) == (1, 1, 2)


@needs_photos
def test_a_blurred_frame_after_a_sure_one_is_settled(reader: PlateReader) -> None:
    first = reader.read_plate(frame("cn_yellow_020.jpg"), FORMATS)
    later = frame("cn_yellow_020.jpg", lambda image: blurred(image.convert("RGB"), 1.2))
    assert reader.read_plate(later, FORMATS).doubt is not None  # 粤 at 0.41 alone
    voted = reader.read_plate(later, FORMATS, [remembered(first)])
    assert voted.plate is not None and voted.plate.match.compact == "粤A82349"
    assert voted.doubt is None


@needs_photos
def test_the_earlier_reads_may_be_asked_for_once_the_frame_is_read(reader: PlateReader) -> None:
    """A lane passes a function: a frame read while the car's previous one was still
    being read then sees that one's read."""
    first = reader.read_plate(frame("cn_yellow_020.jpg"), FORMATS)
    asked: list[int] = []

    def earlier() -> list[FrameRead]:
        asked.append(1)
        return [remembered(first)]

    later = frame("cn_yellow_020.jpg", lambda image: blurred(image.convert("RGB"), 1.2))
    voted = reader.read_plate(later, FORMATS, earlier)
    assert asked == [1]
    assert voted.plate is not None and voted.plate.match.compact == "粤A82349"
    assert voted.doubt is None


@needs_photos
def test_a_wrong_sure_read_is_caught_by_an_earlier_frame(reader: PlateReader) -> None:
    """At 70 % of its size, 粤A82349 is read 鄂A82349 at 0.92: sure alone, the one wrong
    plate the harsher copies still show (docs/parking.md)."""
    first = reader.read_plate(frame("cn_yellow_020.jpg"), FORMATS)
    later = frame("cn_yellow_020.jpg", lambda image: smaller(image.convert("RGB"), 0.7))
    alone = reader.read_plate(later, FORMATS)
    assert alone.plate is not None and alone.plate.match.compact == "鄂A82349"
    assert alone.doubt is None
    voted = reader.read_plate(later, FORMATS, [remembered(first)])
    assert voted.doubt == "an earlier frame of this car surely read a character otherwise"
    assert voted.frames == 1
    # the person reviewing it sees the plate the earlier frame read
    assert [other.compact for other in voted.alternatives][:1] == ["粤A82349"]
