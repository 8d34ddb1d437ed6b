"""Settings: built once at start-up and passed down.

Precedence, highest first: environment variables ``SITEWARDEN_*``, the TOML file
``<data_dir>/sitewarden.toml`` (written by ``sitewarden init``), then the defaults
below. Command-line flags override all of them for the one command.
"""

from __future__ import annotations

import ipaddress
import os
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from sitewarden.database_url import DatabaseTarget, parse_database_url
from sitewarden.errors import ConfigError
from sitewarden.events.categories import CATEGORIES, default_schedule

DEFAULT_DATA_DIR = Path("sitewarden-data")
CONFIG_FILE_NAME = "sitewarden.toml"
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "::1", "localhost"})


class Settings(BaseSettings):
    """Everything an operator can configure."""

    model_config = SettingsConfigDict(env_prefix="SITEWARDEN_", extra="forbid")

    data_dir: Path = DEFAULT_DATA_DIR
    database_url: str | None = Field(
        default=None,
        description="sqlite:///path/to/file.db (default <data_dir>/db/sitewarden.db) or "
        "postgresql://user:password@host:5432/db?sslmode=verify-full",
    )
    keys_dir: Path | None = Field(default=None, description="defaults to <data_dir>/keys")

    host: str = "127.0.0.1"
    port: int = Field(default=8470, ge=1, le=65535)
    tls_cert: Path | None = None
    tls_key: Path | None = None

    max_ingest_body_bytes: int = Field(default=32 * 1024 * 1024, ge=1024)
    max_api_body_bytes: int = Field(default=1024 * 1024, ge=1024)
    max_batch_events: int = Field(default=10_000, ge=1)
    max_json_depth: int = Field(default=32, ge=2)
    max_clock_skew_s: int = Field(default=300, ge=0, description="how far ahead device time may be")
    max_event_age_days: int = Field(default=30, ge=1, description="oldest device time accepted")
    writer_process: bool = Field(
        default=True,
        description="commit event batches in a child process (a second core for the writer)",
    )

    session_hours: int = Field(default=12, ge=1)
    offline_after_intervals: float = Field(
        default=2.0, gt=0, description="missed heartbeat intervals before a device is offline"
    )
    retention_days: dict[str, float] = Field(
        default_factory=default_schedule,
        description="days to keep each category; 0 keeps it forever (doctor warns)",
    )
    retention_interval_s: int = Field(default=3600, ge=10, description="how often retention runs")
    health_check_interval_s: float = Field(
        default=5.0, gt=0, le=3600, description="how often device health and escalation run"
    )
    escalate_after_minutes: float = Field(
        default=10.0, gt=0, description="critical alerts unacknowledged this long escalate"
    )
    webhook_max_attempts: int = Field(default=8, ge=1, le=30, description="then dead-lettered")
    webhook_allowed_networks: list[str] = Field(
        default_factory=list,
        description="non-public ranges webhooks may reach (e.g. '10.20.0.0/16'); empty: only "
        "public addresses, never loopback, link-local or private ones",
    )
    require_second_factor: bool = Field(
        default=True, description="admins and privacy officers must use TOTP (doctor: critical)"
    )
    login_max_failures: int = Field(
        default=5, ge=1, description="failed sign-ins from one address for one name before delays"
    )
    lockout_minutes: float = Field(default=15, gt=0, description="the longest such delay")
    login_delay_s: float = Field(
        default=1, gt=0, description="the first delay; it doubles with every further failure"
    )
    rate_limit_device_per_s: float = Field(default=100, ge=0, description="0 turns it off")
    rate_limit_user_per_s: float = Field(default=30, ge=0, description="0 turns it off")
    rate_limit_login_per_min: float = Field(default=20, ge=0, description="per client address")
    frame_pixels_per_s: float = Field(
        default=1_000_000,
        ge=0,
        description="gate-frame pixels one plate camera may send a second on average (a 1080p "
        "frame is 2.1 million; reading costs time by the pixel); 0 turns the limit off",
    )
    frame_pixels_burst: float = Field(
        default=24_000_000,
        ge=4096 * 4096,
        description="gate-frame pixels one plate camera may send at once (a car's few frames; "
        "at least one 4096x4096 frame)",
    )
    plate_burst_s: float = Field(
        default=3,
        ge=0,
        le=30,
        description="seconds a lane remembers its last plate reads, so that the frames of one "
        "car vote (docs/parking.md#bursts); 0: every frame is judged alone",
    )
    snapshot_pixels_per_s: float = Field(
        default=1_000_000,
        ge=0,
        description="snapshot pixels one camera may send a second on average (blurring "
        "searches every pixel at twelve angles); 0 turns the limit off",
    )
    snapshot_pixels_burst: float = Field(
        default=2 * 4096 * 4096,
        ge=4096 * 4096,
        description="snapshot pixels one camera may send at once (at least one 4096x4096 snapshot)",
    )
    lookup_quota_per_hour: int = Field(
        default=60, ge=0, description="plate/ID lookups per operator per hour; 0 turns it off"
    )
    lookup_burst_count: int = Field(
        default=20, ge=0, description="lookups in lookup_burst_window_s that raise an alert; 0: off"
    )
    lookup_burst_window_s: float = Field(default=60, gt=0, le=3600)
    face_match_threshold: float = Field(
        default=0.56,  # from the ROC on real photos in docs/access.md
        gt=0,
        le=1.5,
        description="largest embedding distance that matches a face",
    )
    face_match_margin: float = Field(
        default=0.05, ge=0, le=1, description="how much nearer than anyone else a match must be"
    )
    face_min_px: int = Field(default=60, ge=20, description="smallest face side readers decide on")
    face_learning: bool = Field(
        default=False,
        description="keep a reader's frame as one more face template of a person a badge "
        "let in, when it already matches them and they consented to face_learning",
    )
    reader_image_days: float = Field(
        default=0,
        ge=0,
        le=90,
        description="keep each reader's face image sealed this many days for disputes; "
        "0 (the default) keeps none",
    )
    mqtt_url: str | None = Field(
        default=None,
        description="mqtt://host:port (mqtts:// for TLS) of the broker to ingest from; unset: off",
    )
    mqtt_username: str = Field(default="sitewarden-node", description="the nodes' broker account")
    mqtt_node_id: str | None = Field(
        default=None,
        max_length=64,
        description="this node's MQTT client id; keep it across restarts (default: host-port)",
    )
    mqtt_session_expiry_s: int = Field(
        default=7 * 86400, ge=60, description="how long the broker keeps a stopped node's messages"
    )
    frigate_cameras: dict[str, str] = Field(
        default_factory=dict,
        description="Frigate camera name -> 'site/device' it reports as; empty: no Frigate",
    )
    frigate_topic: str = Field(default="frigate/events", max_length=200)
    trusted_proxies: list[str] = Field(
        default_factory=list,
        description="addresses or networks of reverse proxies whose X-Forwarded-For is believed; "
        "empty (the default): none, the peer address is the client",
    )
    debug: bool = False

    @field_validator("database_url")
    @classmethod
    def _safe_database_url(cls, value: str | None) -> str | None:
        try:
            parse_database_url(value, DEFAULT_DATA_DIR)
        except ConfigError as exc:
            raise ValueError(exc.message) from exc
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _proxy_networks(cls, value: list[str]) -> list[str]:
        return _ip_networks(
            value,
            lambda entry: (
                f"trusted_proxies: {entry!r} is not an IP address or network "
                "(such as 10.0.0.5 or 10.0.0.0/24)"
            ),
        )

    @field_validator("webhook_allowed_networks")
    @classmethod
    def _networks(cls, value: list[str]) -> list[str]:
        return _ip_networks(
            value, lambda entry: f"{entry!r} is not an IP network like '10.20.0.0/16'"
        )

    @field_validator("retention_days")
    @classmethod
    def _known_categories(cls, value: dict[str, float]) -> dict[str, float]:
        known = {*CATEGORIES, "face_crops"}
        unknown = set(value) - known
        if unknown:
            raise ValueError(
                f"unknown retention categories {sorted(unknown)}; known: {sorted(known)}"
            )
        if any(days < 0 for days in value.values()):
            raise ValueError("retention days cannot be negative")
        return {**default_schedule(), **value}

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # Environment first so that it overrides the file values passed as init kwargs.
        return (env_settings, init_settings)

    @property
    def database(self) -> DatabaseTarget:
        """The backend and where it is (checked to be safe when the settings were built)."""
        return parse_database_url(self.database_url, self.data_dir / "db" / "sitewarden.db")

    @property
    def uses_postgres(self) -> bool:
        return self.database.backend == "postgres"

    @property
    def sqlite_path(self) -> Path:
        """Path of the SQLite database file (only for the SQLite backend)."""
        path = self.database.sqlite_path
        if path is None:
            raise ConfigError("this deployment uses PostgreSQL, not a SQLite file")
        return path

    @property
    def key_path(self) -> Path:
        """Folder that holds the key files (kept apart from the database folder)."""
        return self.keys_dir if self.keys_dir is not None else self.data_dir / "keys"

    @property
    def tls_enabled(self) -> bool:
        return self.tls_cert is not None and self.tls_key is not None

    @property
    def binds_loopback_only(self) -> bool:
        return self.host in LOOPBACK_HOSTS


def _read_config_file(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {}
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc}); fix or remove the file") from exc


def _describe(exc: ValueError) -> str:
    """A validation error without the values given (a database URL carries a password)."""
    if isinstance(exc, ValidationError):
        return "; ".join(
            f"{'.'.join(str(part) for part in error['loc'])}: {error['msg']}"
            for error in exc.errors(include_input=False, include_url=False)
        )
    return str(exc)


def load_settings(data_dir: Path | None = None, **overrides: Any) -> Settings:
    """Build the settings for one data folder.

    ``overrides`` are command-line flags; ``None`` values mean "not given".
    """
    chosen = data_dir or Path(os.environ.get("SITEWARDEN_DATA_DIR") or DEFAULT_DATA_DIR)
    values = _read_config_file(chosen / CONFIG_FILE_NAME)
    values["data_dir"] = chosen
    try:
        settings = Settings(**values)
    except ValueError as exc:
        raise ConfigError(f"invalid settings: {_describe(exc)}") from exc
    given = {key: value for key, value in overrides.items() if value is not None}
    # model_validate skips the environment sources, so flags win and the chosen folder stays.
    try:
        return Settings.model_validate({**settings.model_dump(), **given, "data_dir": chosen})
    except ValueError as exc:
        raise ConfigError(f"invalid settings: {_describe(exc)}") from exc


def _ip_networks(value: list[str], refusal: Callable[[str], str]) -> list[str]:
    """``value`` if every entry is an IP address or network, else the first refusal."""
    for entry in value:
        try:
            ipaddress.ip_network(entry, strict=False)
        except ValueError as exc:
            raise ValueError(refusal(entry)) from exc
    return value
