"""What a lane remembers of its last frames, so that the frames of one car vote
(``vision/plate_bursts.py``), and which reviews they sent to the queue.

A lane's memory is held by the process that reads its frames, at most ``KEPT`` reads,
and dropped at the next frame of any lane once older than twice ``window_s``: a plate's
text stays in memory no longer than a car takes to pass. A frame is judged with the
reads of the ``window_s`` seconds before it arrived, not before its read is done, so a
busy reader (frames waiting for a slot, slow reads) does not part the frames of one car;
the memory's second window is for such late reads. With several nodes, a
lane whose frames go to different nodes is judged frame by frame, as with the vote off,
which is never less safe.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from sitewarden.vision.plate_bursts import FrameRead

KEPT = 8  # reads a lane remembers, at most
WINDOW_S = 3.0  # how long a lane remembers a read, by default


@dataclass(frozen=True, slots=True)
class LaneRead:
    """A frame's read at a lane, when (monotonic seconds), and the review it went to."""

    read: FrameRead
    at: float
    review_id: str | None = None


class LaneBursts:
    """The reads of each lane's last frames (thread-safe). ``window_s`` 0 turns the vote
    off: every frame is judged alone."""

    def __init__(
        self, window_s: float = WINDOW_S, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.window_s = window_s
        self._clock = clock
        self._lock = threading.Lock()
        self._lanes: dict[tuple[str, str], deque[LaneRead]] = {}

    def now(self) -> float:
        """The clock reads are kept by: when a frame arrives, for :meth:`earlier`."""
        return self._clock()

    def _dropped_old(self) -> None:
        since = self._clock() - 2 * self.window_s  # the second window: for late reads
        for lane, kept in list(self._lanes.items()):
            while kept and kept[0].at < since:
                kept.popleft()
            if not kept:
                del self._lanes[lane]

    def earlier(self, site_id: str, device_id: str, arrived: float | None = None) -> list[LaneRead]:
        """The lane's reads of the ``window_s`` seconds before its frame that ``arrived``
        (by :meth:`now`; by default, now), oldest first."""
        since = (self._clock() if arrived is None else arrived) - self.window_s
        with self._lock:
            self._dropped_old()
            return [seen for seen in self._lanes.get((site_id, device_id), ()) if seen.at >= since]

    def remember(
        self, site_id: str, device_id: str, read: FrameRead, review_id: str | None = None
    ) -> None:
        """Keep ``read`` (and the review its frame went to) for the lane's next frames."""
        if self.window_s <= 0:
            return
        with self._lock:
            self._dropped_old()
            kept = self._lanes.setdefault((site_id, device_id), deque(maxlen=KEPT))
            kept.append(LaneRead(read, self._clock(), review_id))
