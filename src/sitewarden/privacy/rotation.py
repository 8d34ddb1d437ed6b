"""KEK rotation: re-wrap every data key under a new KEK without touching events.

Resumable: the new KEK is written to ``kek.next.key`` first; each batch of data keys
is re-wrapped and committed, and rows already under the new KEK are skipped, so an
interrupted rotation continues where it stopped. When no key is left under the old
KEK, the files swap: ``kek.key`` becomes ``kek.previous.key`` (keep it with the
backups made before the rotation: they need it) and ``kek.next.key`` becomes ``kek.key``.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from sitewarden.errors import ConfigError
from sitewarden.privacy.keyfiles import create_key_files, key_file, read_key
from sitewarden.privacy.keyring import kek_id_of, unwrap_key, wrap_key
from sitewarden.privacy.tables import PrivacyTables

NEXT = "kek.next"
PREVIOUS = "kek.previous"


@dataclass(frozen=True)
class RotationReport:
    rewrapped: int
    new_kek_id: str


def _ensure_next_kek(folder: Path) -> bytes:
    path = key_file(folder, NEXT)
    if not path.exists():
        staging = folder / "staging"
        create_key_files(staging)
        os.replace(key_file(staging, "kek"), path)
        for leftover in staging.iterdir():
            leftover.unlink()
        staging.rmdir()
    return _read_raw(path)


def _read_raw(path: Path) -> bytes:
    raw = base64.b64decode(path.read_text().strip())
    if len(raw) != 32:
        raise ConfigError(f"{path} does not hold a 256-bit key")
    return raw


def rotate_kek(
    privacy: PrivacyTables,
    folder: Path,
    *,
    batch: int = 1000,
    progress: Callable[[int, int], None] | None = None,
    stop_after_batches: int | None = None,
) -> RotationReport:
    """Re-wrap all data keys under a new KEK; ``progress(done, total)`` after each batch.

    ``stop_after_batches`` ends early on purpose (to test resuming).
    """
    old_kek = read_key(folder, "kek")
    new_kek = _ensure_next_kek(folder)
    new_id = kek_id_of(new_kek)
    total = privacy.count_data_keys()
    done = privacy.count_data_keys(new_id)
    batches = 0
    while True:
        pending = privacy.data_keys_not_under(new_id, batch)
        if not pending:
            break
        rewrapped = []
        for key in pending:
            binding = f"{key.site_id}\x00{key.subject_id}".encode()
            source = (
                old_kek if key.kek_id == kek_id_of(old_kek) else _previous_kek(folder, key.kek_id)
            )
            plain = unwrap_key(source, key.wrapped, binding)
            rewrapped.append(replace(key, wrapped=wrap_key(new_kek, plain, binding), kek_id=new_id))
        privacy.replace_wrapped_keys(rewrapped)
        done += len(rewrapped)
        batches += 1
        if progress is not None:
            progress(done, total)
        if stop_after_batches is not None and batches >= stop_after_batches:
            return RotationReport(done, new_id)
    os.replace(key_file(folder, "kek"), key_file(folder, PREVIOUS))
    os.replace(key_file(folder, NEXT), key_file(folder, "kek"))
    return RotationReport(done, new_id)


def _previous_kek(folder: Path, kek_id: str) -> bytes:
    path = key_file(folder, PREVIOUS)
    if path.exists():
        previous = _read_raw(path)
        if kek_id_of(previous) == kek_id:
            return previous
    raise ConfigError(
        f"a data key is wrapped by KEK {kek_id}, which is neither the current KEK nor "
        f"{path.name}; restore that key file to continue"
    )
