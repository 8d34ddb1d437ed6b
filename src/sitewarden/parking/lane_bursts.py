"""What a lane remembers of its last frames, so that the frames of one car vote
(``vision/plate_bursts.py``), and which reviews they sent to the queue.

A lane's memory is held by the process that reads its frames, for ``window_s`` seconds
and at most ``KEPT`` reads, and dropped at the next frame of any lane once older: a
plate's text stays in memory no longer than a car takes to pass. With several nodes, a
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

    def _dropped_old(self) -> None:
        since = self._clock() - self.window_s
        for lane, kept in list(self._lanes.items()):
            while kept and kept[0].at < since:
                kept.popleft()
            if not kept:
                del self._lanes[lane]

    def earlier(self, site_id: str, device_id: str) -> list[LaneRead]:
        """The lane's reads of the last ``window_s`` seconds, oldest first."""
        with self._lock:
            self._dropped_old()
            return list(self._lanes.get((site_id, device_id), ()))

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
