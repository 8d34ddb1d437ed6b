"""Files of personal data written by commands: new, owner-only, never through a link.

``os.open(..., O_CREAT | O_TRUNC, 0o600)`` only applies its mode to a file it creates:
an existing 0644 file keeps 0644, and a symlink is followed to wherever it points. So
a file is always created anew (``O_EXCL | O_NOFOLLOW``), given 0600 whatever the
umask, and checked; ``replace`` writes a new file beside the old path and renames it
over, which swaps a symlink itself rather than writing through it.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from sitewarden.errors import InvalidInput

PRIVATE_MODE = 0o600


class PrivateFile:
    """Claimed before the data exists (so a refused path costs nothing), written once."""

    def __init__(self, path: Path, *, replace: bool = False) -> None:
        self.path = path
        self._replace = replace
        if os.path.lexists(path) and not replace:
            raise InvalidInput(
                f"{path} exists{' (a symbolic link)' if path.is_symlink() else ''}; "
                "choose a new file, or pass --force to replace it with a new 0600 file"
            )
        if replace and os.path.isdir(path) and not path.is_symlink():
            raise InvalidInput(f"{path} is a folder; name a file")
        self._target = path.with_name(f".{path.name}.{os.getpid()}.tmp") if replace else path
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
        try:
            self._descriptor: int | None = os.open(self._target, flags, PRIVATE_MODE)
        except FileExistsError as exc:  # created between the check and here
            raise InvalidInput(f"{self._target} exists; choose a new file") from exc
        except OSError as exc:
            raise InvalidInput(f"cannot create {self._target}: {exc.strerror}") from exc
        os.fchmod(self._descriptor, PRIVATE_MODE)  # the umask may have taken bits away

    def write(self, data: bytes) -> None:
        """Write everything, make it durable, and put the file in place."""
        assert self._descriptor is not None, "a private file is written once"
        descriptor, self._descriptor = self._descriptor, None
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if self._replace:
            os.replace(self._target, self.path)
        mode = stat.S_IMODE(os.lstat(self.path).st_mode)
        if mode != PRIVATE_MODE or self.path.is_symlink():
            raise InvalidInput(f"{self.path} ended up with mode {mode:o}, not 600; delete it")

    def abandon(self) -> None:
        """Remove what was created when there is nothing to write (the request failed)."""
        if self._descriptor is not None:
            os.close(self._descriptor)
            self._descriptor = None
            os.unlink(self._target)
