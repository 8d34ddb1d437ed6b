"""``sitewarden init``: a data folder with its database, key files, settings file and
first administrator. No default credentials: the admin password is generated and
shown once."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from sitewarden.accounts.accounts import create_user
from sitewarden.accounts.roles import Role
from sitewarden.config import CONFIG_FILE_NAME, Settings
from sitewarden.database_url import redact
from sitewarden.errors import AlreadyExists
from sitewarden.privacy.keyfiles import create_key_files
from sitewarden.runtime.storage import open_storage

CONFIG_TEMPLATE = """\
# sitewarden settings for this data folder. Environment variables SITEWARDEN_<NAME>
# override these; see docs/deployment.md for every setting.
host = "127.0.0.1"      # anything but loopback needs tls_cert and tls_key
port = {port}
# tls_cert = "/etc/sitewarden/cert.pem"
# tls_key = "/etc/sitewarden/key.pem"
# max_batch_events = 10000
# max_clock_skew_s = 300
"""


@dataclass(frozen=True)
class InitResult:
    data_dir: Path
    database: Path | str  # the SQLite file, or the PostgreSQL URL without its password
    keys_created: list[Path]
    admin_username: str
    admin_password: str


def database_name(settings: Settings) -> Path | str:
    """Where the data is, for messages: the SQLite file or the PostgreSQL URL (redacted)."""
    target = settings.database
    return target.sqlite_path or redact(target.postgres_url or "")


def is_initialised(settings: Settings) -> bool:
    if not settings.uses_postgres:
        return settings.sqlite_path.exists()
    store = open_storage(settings)  # a PostgreSQL database is initialised once it has users
    try:
        return bool(store.accounts.list_users())
    finally:
        store.close()


def initialise(settings: Settings, admin_username: str = "admin") -> InitResult:
    """Create everything a fresh deployment needs; refuse if it exists already."""
    if is_initialised(settings):
        raise AlreadyExists(
            f"{settings.data_dir} is initialised already (database {database_name(settings)}); "
            "use 'sitewarden users add' for more accounts"
        )
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    os.chmod(settings.data_dir, 0o700)
    keys = create_key_files(settings.key_path)
    config_path = settings.data_dir / CONFIG_FILE_NAME
    if not config_path.exists():
        config_path.write_text(CONFIG_TEMPLATE.format(port=settings.port))
    store = open_storage(settings)
    try:
        if not settings.uses_postgres:
            os.chmod(settings.sqlite_path.parent, 0o700)
            os.chmod(settings.sqlite_path, 0o600)
        _, password = create_user(store.accounts, store.registry, admin_username, Role.ADMIN)
    finally:
        store.close()
    assert password is not None
    return InitResult(settings.data_dir, database_name(settings), keys, admin_username, password)
