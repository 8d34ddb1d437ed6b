"""The MQTT broker's files: password file, ACL and mosquitto.conf, from the registry.

Writing them is a change (new devices get a secret, a rotated device loses its old one),
so each run is audited: ``mqtt.config`` or ``mqtt.secret_rotate``, naming the broker
accounts that got a new secret (``<site>/<device>``, never the secret)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Annotated

import typer

from sitewarden.cli.base import (
    DataDir,
    app,
    audit_cli_change,
    guarded,
    opened_store,
    out,
    settings_for,
)
from sitewarden.intake.mqtt_broker import BrokerFiles, ListenerOptions, write_broker_files
from sitewarden.intake.mqtt_topics import commands_topic, events_topic

mqtt_app = typer.Typer(help="MQTT: the broker's accounts and ACL.", no_args_is_help=True)
app.add_typer(mqtt_app, name="mqtt")

OutDir = Annotated[Path, typer.Option("--out", help="folder for passwords, acl and mosquitto.conf")]
Port = Annotated[int, typer.Option(help="the broker's port", min=1, max=65535)]
Bind = Annotated[str, typer.Option(help="address the broker listens on (TLS beyond loopback)")]
TlsCert = Annotated[Path | None, typer.Option("--tls-cert", help="the listener's certificate")]
TlsKey = Annotated[Path | None, typer.Option("--tls-key", help="the listener's private key")]


@mqtt_app.command("config")
def mqtt_config(
    out_dir: OutDir,
    port: Port = 1883,
    bind: Bind = "127.0.0.1",
    tls_cert: TlsCert = None,
    tls_key: TlsKey = None,
    frigate: Annotated[bool, typer.Option(help="also an account for a Frigate NVR")] = False,
    data_dir: DataDir = None,
) -> None:
    """Write the broker's files; new devices get an MQTT secret, shown once."""
    listener = ListenerOptions(port, bind, tls_cert, tls_key)
    _write_files(data_dir, out_dir, listener, "mqtt.config", None, frigate=frigate)


@mqtt_app.command("secret")
def mqtt_secret(
    site_id: str,
    device_id: str,
    out_dir: OutDir,
    port: Port = 1883,
    bind: Bind = "127.0.0.1",
    tls_cert: TlsCert = None,
    tls_key: TlsKey = None,
    data_dir: DataDir = None,
) -> None:
    """Issue a new MQTT secret for one device (its old one stops working on reload)."""
    listener = ListenerOptions(port, bind, tls_cert, tls_key)
    rotate = [(site_id, device_id)]
    _write_files(data_dir, out_dir, listener, "mqtt.secret_rotate", site_id, rotate=rotate)


def _write_files(
    data_dir: Path | None,
    out_dir: Path,
    listener: ListenerOptions,
    action: str,
    site_id: str | None,
    *,
    rotate: Iterable[tuple[str, str]] = (),
    frigate: bool = False,
) -> None:
    """Write the broker's files from the registry, audit it as ``action``, then say what
    was written."""
    settings = settings_for(data_dir)
    with opened_store(settings) as store:
        files = guarded(
            lambda: write_broker_files(
                store.registry, settings, out_dir, listener, rotate=rotate, frigate=frigate
            )
        )
        audit_cli_change(settings, store, action, site_id, sorted(files.new_secrets))
    _report(files)


def _report(files: BrokerFiles) -> None:
    out.print(f"Wrote {files.folder}/passwords, acl and mosquitto.conf ({files.devices} devices)")
    for user, secret in files.new_secrets.items():
        site_id, _, device_id = user.partition("/")
        where = "frigate/#"
        if device_id:
            where = (
                f"{events_topic(site_id, device_id)}, reads {commands_topic(site_id, device_id)}"
            )
        out.print(f"  {user}  secret [bold]{secret}[/]  (shown once; publishes {where})")
    out.print(
        "Reload the broker to apply (kill -HUP <mosquitto pid>). Devices connect with "
        "user '<site>/<device>' and their secret; see docs/deployment.md."
    )
