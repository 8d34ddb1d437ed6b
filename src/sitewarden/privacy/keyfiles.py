"""Key files: created by ``sitewarden init``, readable by the owner only.

Three independent 256-bit keys: the key-encryption key (wraps per-person data
keys), the blind-index key (keyed hashes for exact lookups) and the audit key
(HMAC chain of the audit log). They live apart from the database folder so that a
copy of the database alone reveals nothing.
"""

from __future__ import annotations

import base64
import os
import secrets
import stat
from pathlib import Path

from sitewarden.errors import ConfigError

KEY_NAMES = ("kek", "index", "audit")


def key_file(folder: Path, name: str) -> Path:
    return folder / f"{name}.key"


def create_key_files(folder: Path) -> list[Path]:
    """Create the folder (0700) and any missing key file (0600); never overwrite a key."""
    folder.mkdir(parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    created = []
    for name in KEY_NAMES:
        path = key_file(folder, name)
        if path.exists():
            continue
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(base64.b64encode(secrets.token_bytes(32)).decode() + "\n")
        created.append(path)
    return created


def check_key_file(path: Path) -> None:
    """Refuse a key file that is missing or that others can read."""
    if not path.exists():
        raise ConfigError(f"key file {path} is missing; run 'sitewarden init' first")
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise ConfigError(
            f"key file {path} is readable by others (mode {mode:o}); run 'chmod 600 {path}'"
        )


def check_key_folder(folder: Path) -> None:
    """Refuse key files that are missing or that others can read."""
    for name in KEY_NAMES:
        check_key_file(key_file(folder, name))


def read_key(folder: Path, name: str) -> bytes:
    check_key_file(key_file(folder, name))
    raw = base64.b64decode(key_file(folder, name).read_text().strip())
    if len(raw) != 32:
        raise ConfigError(f"key file {key_file(folder, name)} does not hold a 256-bit key")
    return raw
