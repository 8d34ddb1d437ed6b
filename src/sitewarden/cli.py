"""The ``sitewarden`` command line: init, serve, demo, users, devices, sites, events."""

from __future__ import annotations

import getpass
import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any, TypeVar

import orjson
import typer
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from sitewarden.auth import accounts
from sitewarden.auth.roles import Role
from sitewarden.config import Settings, load_settings
from sitewarden.errors import ConfigError, SitewardenError
from sitewarden.events.kinds import KINDS
from sitewarden.registry import service
from sitewarden.registry.device_kinds import DeviceKind
from sitewarden.store import Store, open_store
from sitewarden.store.records import EventQuery

app = typer.Typer(
    help="sitewarden: security and operations for smart sites, private by design.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
users_app = typer.Typer(help="Operator accounts.", no_args_is_help=True)
devices_app = typer.Typer(help="Devices and their tokens.", no_args_is_help=True)
sites_app = typer.Typer(help="Sites and zones.", no_args_is_help=True)
events_app = typer.Typer(help="Events.", no_args_is_help=True)
app.add_typer(users_app, name="users")
app.add_typer(devices_app, name="devices")
app.add_typer(sites_app, name="sites")
app.add_typer(events_app, name="events")

# soft_wrap: tokens and passwords must stay on one line to be copied.
out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)
T = TypeVar("T")

DataDir = Annotated[
    Path | None,
    typer.Option(
        "--data-dir",
        "-d",
        envvar="SITEWARDEN_DATA_DIR",
        help="data folder (database, keys, settings); default ./sitewarden-data",
    ),
]


def fail(message: str) -> typer.Exit:
    err.print(f"[bold red]error:[/] {message}", highlight=False)
    return typer.Exit(code=1)


def guarded(action: Callable[[], T]) -> T:
    """Run ``action``; a sitewarden error becomes a one-line message and exit code 1."""
    try:
        return action()
    except SitewardenError as exc:
        raise fail(exc.message) from None


def settings_for(data_dir: Path | None, **overrides: Any) -> Settings:
    return guarded(lambda: load_settings(data_dir, **overrides))


@contextmanager
def opened_store(settings: Settings) -> Iterator[Store]:
    if not settings.sqlite_path.exists():
        raise fail(f"no database at {settings.sqlite_path}; run 'sitewarden init' first")
    store = guarded(lambda: open_store(settings))
    try:
        yield store
    except SitewardenError as exc:
        raise fail(exc.message) from None
    finally:
        store.close()


# --- init, serve, demo ---------------------------------------------------------------
@app.command()
def init(
    data_dir: DataDir = None,
    admin: Annotated[str, typer.Option(help="username of the first administrator")] = "admin",
) -> None:
    """Create the data folder, database, key files and the first administrator."""
    from sitewarden.initialise import initialise

    settings = settings_for(data_dir)
    result = guarded(lambda: initialise(settings, admin))
    out.print(f"[green]Initialised[/] {result.data_dir}")
    out.print(f"  database  {result.database}")
    out.print(f"  keys      {settings.key_path} (mode 0600; back them up apart from the database)")
    out.print(f"  admin     [bold]{result.admin_username}[/]")
    out.print(
        f"  password  [bold]{result.admin_password}[/]  (shown once; change it after signing in)"
    )


@app.command()
def serve(
    data_dir: DataDir = None,
    host: Annotated[str | None, typer.Option(help="address to bind; default 127.0.0.1")] = None,
    port: Annotated[int | None, typer.Option(help="port; default 8470")] = None,
    tls_cert: Annotated[Path | None, typer.Option(help="TLS certificate (PEM)")] = None,
    tls_key: Annotated[Path | None, typer.Option(help="TLS private key (PEM)")] = None,
    allow_critical: Annotated[
        bool, typer.Option(help="start even if sitewarden doctor finds critical problems")
    ] = False,
) -> None:
    """Serve the API and web pages (loopback only unless TLS is configured)."""
    from sitewarden.server import check_listen_safety, url_of
    from sitewarden.server import serve as run_server

    settings = settings_for(data_dir, host=host, port=port, tls_cert=tls_cert, tls_key=tls_key)
    guarded(lambda: check_listen_safety(settings))
    err.print(f"sitewarden serving {url_of(settings)} (data {settings.data_dir})")
    guarded(lambda: run_server(settings, allow_critical=allow_critical))


@app.command()
def demo(
    data_dir: Annotated[
        Path, typer.Option("--data-dir", "-d", help="demo data folder (created or reused)")
    ] = Path(".sitewarden-demo"),
    port: Annotated[int, typer.Option(help="port to serve on")] = 8470,
    rate: Annotated[float, typer.Option(help="simulated events per second")] = 4.0,
    simulate: Annotated[bool, typer.Option(help="run the device simulator")] = True,
) -> None:
    """Run the demo site: a residential community with ~40 devices and live traffic."""
    from sitewarden.demo.runner import run_demo

    # Short retention so that expiry is visible while the demo runs (days, fractional).
    demo_retention = {"heartbeats": 0.02, "face_crops": 0.02, "plate_reads": 0.1}
    # The demo skips the second factor so that a newcomer needs no authenticator app;
    # `sitewarden doctor` on the demo folder reports that as critical, as it should.
    settings = settings_for(
        data_dir,
        port=port,
        retention_days=demo_retention,
        retention_interval_s=60,
        require_second_factor=False,
    )
    guarded(lambda: run_demo(settings, rate=rate, simulate=simulate, console=out))


# --- users -----------------------------------------------------------------------
@users_app.command("add")
def users_add(
    username: str,
    role: Annotated[Role, typer.Option(help="admin, operator, auditor or viewer")] = Role.OPERATOR,
    sites: Annotated[
        str | None, typer.Option(help="comma-separated site ids this user may see; default all")
    ] = None,
    data_dir: DataDir = None,
) -> None:
    """Create an operator account; its generated password is shown once."""
    scope = tuple(s.strip() for s in sites.split(",") if s.strip()) if sites else None
    with opened_store(settings_for(data_dir)) as store:
        user, password = accounts.create_user(store, username, role, site_scope=scope)
    out.print(f"Created [bold]{user.username}[/] ({user.role})")
    out.print(f"  password  [bold]{password}[/]  (shown once; they must change it)")


@users_app.command("list")
def users_list(data_dir: DataDir = None) -> None:
    """List operator accounts."""
    with opened_store(settings_for(data_dir)) as store:
        users = store.list_users()
    table = Table("username", "role", "sites", "state", "last sign-in")
    for user in users:
        table.add_row(
            user.username,
            user.role,
            ", ".join(user.site_scope) if user.site_scope is not None else "all",
            "disabled" if user.disabled else "active",
            f"{user.last_login_at:%Y-%m-%d %H:%M}" if user.last_login_at else "never",
        )
    out.print(table)


@users_app.command("disable")
def users_disable(username: str, data_dir: DataDir = None) -> None:
    """Disable an account and end its sessions."""
    with opened_store(settings_for(data_dir)) as store:
        accounts.set_disabled(store, accounts.require_user(store, username), True)
    out.print(f"Disabled {username}")


@users_app.command("enable")
def users_enable(username: str, data_dir: DataDir = None) -> None:
    """Enable a disabled account."""
    with opened_store(settings_for(data_dir)) as store:
        accounts.set_disabled(store, accounts.require_user(store, username), False)
    out.print(f"Enabled {username}")


# --- sites and zones ---------------------------------------------------------------
@sites_app.command("add")
def sites_add(
    site_id: str,
    name: Annotated[str, typer.Option(help="display name")],
    timezone: Annotated[str, typer.Option(help="IANA timezone, e.g. Asia/Shanghai")] = "UTC",
    data_dir: DataDir = None,
) -> None:
    """Register a site."""
    with opened_store(settings_for(data_dir)) as store:
        service.create_site(store, site_id, name, timezone, 1000, 700)
    out.print(f"Created site {site_id}")


@sites_app.command("list")
def sites_list(data_dir: DataDir = None) -> None:
    """List sites."""
    with opened_store(settings_for(data_dir)) as store:
        table = Table("site", "name", "timezone", "zones", "devices")
        for site in store.list_sites():
            contents = store.count_site_contents(site.site_id)
            table.add_row(
                site.site_id,
                site.name,
                site.timezone,
                str(contents["zones"]),
                str(contents["devices"]),
            )
    out.print(table)


@sites_app.command("add-zone")
def sites_add_zone(
    site_id: str,
    zone_id: str,
    name: Annotated[str | None, typer.Option(help="display name")] = None,
    capacity: Annotated[int | None, typer.Option(help="people the zone may hold")] = None,
    data_dir: DataDir = None,
) -> None:
    """Add a zone to a site."""
    with opened_store(settings_for(data_dir)) as store:
        service.create_zone(store, site_id, zone_id, name or zone_id, capacity)
    out.print(f"Created zone {zone_id} in {site_id}")


# --- devices ---------------------------------------------------------------------
@devices_app.command("add")
def devices_add(
    site_id: str,
    device_id: str,
    kind: Annotated[DeviceKind, typer.Option(help="kind of device")],
    zone: Annotated[str | None, typer.Option(help="zone id")] = None,
    name: Annotated[str | None, typer.Option(help="display name")] = None,
    heartbeat: Annotated[int, typer.Option(help="heartbeat interval, seconds")] = 60,
    data_dir: DataDir = None,
) -> None:
    """Register a device; its token is shown once."""
    with opened_store(settings_for(data_dir)) as store:
        _, token = service.create_device(
            store, site_id, device_id, kind, name=name, zone_id=zone, heartbeat_s=heartbeat
        )
    out.print(f"Registered {device_id} in {site_id}")
    out.print(f"  token  [bold]{token}[/]  (shown once; configure the device with it)")


@devices_app.command("list")
def devices_list(site_id: str, data_dir: DataDir = None) -> None:
    """List a site's devices with their status."""
    settings = settings_for(data_dir)
    with opened_store(settings) as store:
        service.require_site(store, site_id)
        devices = store.list_devices(site_id)
    now = datetime.now(UTC)
    table = Table("device", "kind", "zone", "status", "last seen")
    for device in devices:
        status = service.device_status(device, now, settings.offline_after_intervals)
        colour = {"online": "green", "offline": "red"}.get(status, "dim")
        seen = f"{device.last_seen_at:%Y-%m-%d %H:%M:%S}" if device.last_seen_at else "never"
        table.add_row(
            device.device_id,
            device.kind.value,
            device.zone_id or "-",
            f"[{colour}]{status}[/]",
            seen,
        )
    out.print(table)


@devices_app.command("token")
def devices_token(site_id: str, device_id: str, data_dir: DataDir = None) -> None:
    """Issue a new token for a device (the old one stops working)."""
    with opened_store(settings_for(data_dir)) as store:
        token = service.rotate_device_token(store, site_id, device_id)
    out.print(f"New token for {device_id}: [bold]{token}[/]  (shown once)")


@devices_app.command("revoke")
def devices_revoke(site_id: str, device_id: str, data_dir: DataDir = None) -> None:
    """Revoke a device's token; it can post nothing until given a new one."""
    with opened_store(settings_for(data_dir)) as store:
        service.revoke_device_token(store, site_id, device_id)
    out.print(f"Revoked the token of {device_id}")


# --- events ----------------------------------------------------------------------
@events_app.command("tail")
def events_tail(
    site: Annotated[str | None, typer.Option(help="only this site")] = None,
    kind: Annotated[str | None, typer.Option(help="a kind or a family such as 'alarm'")] = None,
    lines: Annotated[int, typer.Option("-n", help="events to show first")] = 20,
    follow: Annotated[
        bool, typer.Option("--follow/--no-follow", "-f", help="keep watching")
    ] = True,
    interval: Annotated[float, typer.Option(help="seconds between polls")] = 1.0,
    data_dir: DataDir = None,
) -> None:
    """Show the newest events, then follow new ones (Ctrl-C to stop)."""
    exact, family = (kind, None) if kind and "." in kind else (None, kind)
    if exact is not None and exact not in KINDS:
        raise fail(f"unknown kind {exact!r}")
    with opened_store(settings_for(data_dir)) as store:
        page = store.query_events(
            EventQuery(site_id=site, kind=exact, family=family, limit=max(lines, 1))
        )
        shown = {event.id for event in page.events}
        for event in reversed(page.events):
            _print_event(event)
        if not follow:
            return
        since = datetime.now(UTC) - timedelta(minutes=5)
        try:
            while True:
                time.sleep(interval)
                page = store.query_events(
                    EventQuery(site_id=site, kind=exact, family=family, since=since, limit=500)
                )
                for event in reversed(page.events):
                    if event.id not in shown:
                        shown.add(event.id)
                        _print_event(event)
        except KeyboardInterrupt:
            return


_SEVERITY_STYLE = {"critical": "bold red", "major": "red", "minor": "yellow", "info": "dim"}


def _print_event(event: Any) -> None:
    style = _SEVERITY_STYLE.get(event.severity.value, "")
    attributes = " ".join(f"{key}={value}" for key, value in event.attributes.items())
    sealed = " [personal: sealed]" if event.sealed_personal else ""
    out.print(
        f"{event.occurred_at:%Y-%m-%d %H:%M:%S} [{style}]{event.severity.value:8}[/] "
        f"{event.kind:18} {event.site_id}/{event.zone_id or '-'}/{event.device_id} "
        f"{attributes}{sealed}",
        highlight=False,
    )


# --- privacy: keys, audit, subjects, retention, backup ----------------------------------
keys_app = typer.Typer(help="Key management.", no_args_is_help=True)
audit_app = typer.Typer(help="The tamper-evident audit log.", no_args_is_help=True)
subject_app = typer.Typer(help="A person's or vehicle's data: export, erase.", no_args_is_help=True)
retention_app = typer.Typer(help="Deleting what has expired.", no_args_is_help=True)
app.add_typer(keys_app, name="keys")
app.add_typer(audit_app, name="audit")
app.add_typer(subject_app, name="subject")
app.add_typer(retention_app, name="retention")


def _cli_actor() -> str:
    return f"cli:{getpass.getuser()}"


@keys_app.command("rotate")
def keys_rotate(
    data_dir: DataDir = None,
    batch: Annotated[int, typer.Option(help="data keys per transaction")] = 1000,
) -> None:
    """Re-wrap every data key under a new KEK (events untouched). Stop the server first;
    an interrupted run resumes where it stopped."""
    from sitewarden.privacy.rotation import rotate_kek

    settings = settings_for(data_dir)
    with opened_store(settings) as store, Progress(console=err) as bar:
        task = bar.add_task("re-wrapping data keys", total=store.count_data_keys() or 1)

        def advance(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total or 1)

        report = guarded(
            lambda: rotate_kek(store, settings.key_path, batch=batch, progress=advance)
        )
    out.print(f"Rotated: {report.rewrapped} data keys now under KEK {report.new_kek_id}.")
    out.print(
        f"The old KEK is {settings.key_path}/kek.previous.key: keep it with backups made "
        "before now, then destroy it."
    )


@audit_app.command("verify")
def audit_verify(data_dir: DataDir = None) -> None:
    """Check the whole audit chain; name the first entry that was altered or deleted."""
    from sitewarden.privacy.audit import AuditLog
    from sitewarden.privacy.keyring import KeyRing

    settings = settings_for(data_dir)
    keys = guarded(lambda: KeyRing.load(settings.key_path))
    with opened_store(settings) as store:
        result = AuditLog(store, keys.audit_key).verify()
    if not result.ok:
        raise fail(f"audit chain broken at entry {result.broken_seq}: {result.reason}")
    out.print(f"[green]Audit chain intact[/]: {result.checked} entries verified.")


def _subject_ref(
    site: str, plate: str | None, national_id: str | None, badge: str | None, subject_id: str | None
) -> Any:
    from sitewarden.privacy.subject_requests import SubjectRef

    given = [
        (f, v)
        for f, v in (
            ("plate", plate),
            ("national_id", national_id),
            ("badge_id", badge),
            ("subject_id", subject_id),
        )
        if v
    ]
    if len(given) != 1:
        raise fail("name the subject by exactly one of --plate, --national-id, --badge, --subject")
    return guarded(lambda: SubjectRef(site, given[0][0], given[0][1]))


SubjectPlate = Annotated[str | None, typer.Option("--plate", help="licence plate")]
SubjectNid = Annotated[str | None, typer.Option("--national-id", help="national ID number")]
SubjectBadge = Annotated[str | None, typer.Option("--badge", help="badge id")]
SubjectId = Annotated[str | None, typer.Option("--subject", help="subject id")]


def _vault_and_audit(settings: Settings, store: Store) -> tuple[Any, Any]:
    from sitewarden.privacy.audit import AuditLog
    from sitewarden.privacy.keyring import KeyRing
    from sitewarden.privacy.vault import Vault

    keys = guarded(lambda: KeyRing.load(settings.key_path))
    return Vault(store, keys), AuditLog(store, keys.audit_key)


@subject_app.command("export")
def subject_export(
    site: str,
    output: Annotated[Path, typer.Option("--output", "-o", help="JSON file to write")],
    purpose: Annotated[str, typer.Option(help="the request's reference (audited)")],
    plate: SubjectPlate = None,
    national_id: SubjectNid = None,
    badge: SubjectBadge = None,
    subject: SubjectId = None,
    data_dir: DataDir = None,
) -> None:
    """Write everything held about a person or vehicle to a JSON file (audited)."""
    from sitewarden.privacy.subject_requests import export_subject

    ref = _subject_ref(site, plate, national_id, badge, subject)
    settings = settings_for(data_dir)
    with opened_store(settings) as store:
        vault, audit = _vault_and_audit(settings, store)
        exported = export_subject(store, vault, ref)
        audit.record(
            actor=_cli_actor(),
            role="admin",
            action="subject.export",
            targets=[s["subject_id"] for s in exported["subjects"]],
            site_id=site,
            purpose=purpose,
        )
    descriptor = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(orjson.dumps(exported, option=orjson.OPT_INDENT_2))
    out.print(
        f"Exported {len(exported['events'])} events of {len(exported['subjects'])} "
        f"subject(s) to {output} (mode 0600)."
    )


@subject_app.command("erase")
def subject_erase(
    site: str,
    purpose: Annotated[str, typer.Option(help="the request's reference (audited)")],
    plate: SubjectPlate = None,
    national_id: SubjectNid = None,
    badge: SubjectBadge = None,
    subject: SubjectId = None,
    yes: Annotated[bool, typer.Option("--yes", help="do not ask for confirmation")] = False,
    data_dir: DataDir = None,
) -> None:
    """Crypto-shred a person or vehicle: their sealed fields become unreadable everywhere."""
    from sitewarden.privacy.subject_requests import erase_subject

    ref = _subject_ref(site, plate, national_id, badge, subject)
    if not yes and not typer.confirm("Erase this subject's personal data for good?"):
        raise fail("not erased")
    settings = settings_for(data_dir)
    with opened_store(settings) as store:
        vault, audit = _vault_and_audit(settings, store)
        report = erase_subject(store, vault, ref)
        audit.record(
            actor=_cli_actor(),
            role="admin",
            action="subject.erase",
            targets=report.subject_ids,
            site_id=site,
            purpose=purpose,
        )
    out.print(
        f"Erased {len(report.subject_ids)} subject(s); {report.events_erased} events now "
        "read as erased."
    )


@retention_app.command("run")
def retention_run(data_dir: DataDir = None) -> None:
    """Delete everything past its retention now, with progress, and report counts."""
    from sitewarden.privacy.retention import run_retention

    settings = settings_for(data_dir)
    with opened_store(settings) as store, Progress(console=err, transient=True) as bar:
        tasks: dict[str, Any] = {}

        def advance(category: str, total: int) -> None:
            if category not in tasks:
                tasks[category] = bar.add_task(f"deleting {category}", total=None)
            bar.update(tasks[category], completed=total)

        report = run_retention(store, settings.retention_days, progress=advance)
    table = Table("category", "kept for", "deleted")
    for category, days in settings.retention_days.items():
        kept = f"{days:g} days" if days else "forever"
        table.add_row(category, kept, str(report.deleted.get(category, 0)))
    out.print(table)


@app.command()
def backup(
    output: Annotated[Path, typer.Argument(help="file to write the copy to")],
    data_dir: DataDir = None,
) -> None:
    """Copy the database while it runs. Sealed fields stay sealed; keys are not included."""
    if output.exists():
        raise fail(f"{output} exists; choose a new file")
    with opened_store(settings_for(data_dir)) as store:
        store.backup_to(output)
    os.chmod(output, 0o600)
    out.print(f"Backup written to {output}. Keep the key folder's backup apart from it.")


# --- alerts ---------------------------------------------------------------------------
alerts_app = typer.Typer(help="Alerts and alert rules.", no_args_is_help=True)
app.add_typer(alerts_app, name="alerts")

_STATE_STYLE = {"open": "bold red", "acknowledged": "yellow", "resolved": "green"}


def _alert_line(alert: Any, change: str = "") -> str:
    style = _SEVERITY_STYLE.get(alert.severity.value, "")
    where = "/".join(x for x in (alert.site_id, alert.zone_id, alert.device_id) if x)
    state = _STATE_STYLE.get(alert.state, "")
    prefix = f"{change:12} " if change else ""
    return (
        f"{alert.last_at:%Y-%m-%d %H:%M:%S} {prefix}[{style}]{alert.severity.value:8}[/] "
        f"[{state}]{alert.state:12}[/] {alert.title} ({where}) x{alert.count} "
        f"[dim]{alert.alert_id}[/]"
    )


@alerts_app.command("list")
def alerts_list(
    site: Annotated[str | None, typer.Option(help="only this site")] = None,
    state: Annotated[list[str] | None, typer.Option(help="open, acknowledged, resolved")] = None,
    limit: Annotated[int, typer.Option(help="how many")] = 50,
    data_dir: DataDir = None,
) -> None:
    """List alerts, most recent activity first (default: not yet resolved)."""
    states = state or ["open", "acknowledged"]
    with opened_store(settings_for(data_dir)) as store:
        found = store.list_alerts(
            site_scope=None,
            site_id=site,
            states=states,
            min_severity=None,
            rule_id=None,
            before=None,
            limit=limit,
        )
    for alert in found:
        out.print(_alert_line(alert), highlight=False)
    if not found:
        out.print(f"no {' or '.join(states)} alerts")


def _change_alert(alert_id: str, action: str, note: str | None, data_dir: Path | None) -> None:
    with opened_store(settings_for(data_dir)) as store:
        alert = store.find_alert(alert_id)
        if alert is None:
            raise fail(f"alert {alert_id!r} not found")
        change = store.change_alert_state(
            alert.site_id, alert_id, action, _cli_actor(), note, datetime.now(UTC)
        )
    if change is None:
        raise fail(f"alert {alert_id} is {alert.state}; it cannot be {action}d now")
    out.print(_alert_line(change.alert, change.kind), highlight=False)


@alerts_app.command("ack")
def alerts_ack(
    alert_id: str,
    note: Annotated[str | None, typer.Option(help="what you did")] = None,
    data_dir: DataDir = None,
) -> None:
    """Acknowledge an open alert."""
    _change_alert(alert_id, "acknowledge", note, data_dir)


@alerts_app.command("resolve")
def alerts_resolve(
    alert_id: str,
    note: Annotated[str | None, typer.Option(help="how it ended")] = None,
    data_dir: DataDir = None,
) -> None:
    """Resolve an alert."""
    _change_alert(alert_id, "resolve", note, data_dir)


@alerts_app.command("tail")
def alerts_tail(
    site: Annotated[str | None, typer.Option(help="only this site")] = None,
    interval: Annotated[float, typer.Option(help="seconds between polls")] = 1.0,
    data_dir: DataDir = None,
) -> None:
    """Watch alerts live: each opening, repeat, acknowledgement and resolution (Ctrl-C)."""
    seen: dict[str, tuple[str, int]] = {}
    with opened_store(settings_for(data_dir)) as store:
        try:
            while True:
                found = store.list_alerts(
                    site_scope=None,
                    site_id=site,
                    states=[],
                    min_severity=None,
                    rule_id=None,
                    before=None,
                    limit=200,
                )
                for alert in reversed(found):
                    previous = seen.get(alert.alert_id)
                    now = (alert.state, alert.count)
                    if previous != now:
                        change = (
                            "opened"
                            if previous is None
                            else (alert.state if previous[0] != alert.state else "repeated")
                        )
                        if previous is not None or alert.state != "resolved":
                            out.print(_alert_line(alert, change), highlight=False)
                        seen[alert.alert_id] = now
                time.sleep(interval)
        except KeyboardInterrupt:
            return


@alerts_app.command("rules")
def alerts_rules(data_dir: DataDir = None) -> None:
    """List the rules in force (shipped defaults and saved ones)."""
    from sitewarden.alerts.service import load_rules

    with opened_store(settings_for(data_dir)) as store:
        rules = load_rules(store)
    table = Table("rule", "severity", "kinds", "conditions", "window", "enabled")
    for rule in rules:
        conditions = ", ".join(f"{c.field} {c.op} {c.value}" for c in rule.conditions) or "-"
        window = f"{rule.window.count} in {rule.window.seconds}s" if rule.window else "-"
        table.add_row(
            rule.rule_id,
            rule.severity.value,
            ", ".join(rule.kinds),
            conditions,
            window,
            "yes" if rule.enabled else "no",
        )
    out.print(table)


@alerts_app.command("validate")
def alerts_validate(
    path: Annotated[Path, typer.Argument(help="JSON file: a rule or a list")],
) -> None:
    """Check rule definitions without saving them; name every bad rule and field."""
    from sitewarden.alerts.rules import parse_rule

    try:
        raw = orjson.loads(path.read_bytes())
    except (OSError, orjson.JSONDecodeError) as exc:
        raise fail(f"{path}: {exc}") from None
    rules = raw if isinstance(raw, list) else [raw]
    for index, item in enumerate(rules):
        named = isinstance(item, dict) and item.get("rule_id")
        try:
            rule = parse_rule(item, name=None if named else f"#{index}")
        except SitewardenError as exc:
            raise fail(exc.message) from None
        out.print(f"[green]ok[/] {rule.rule_id}: {rule.title}")


# --- bench --------------------------------------------------------------------------------
@app.command()
def bench(
    name: Annotated[
        str | None,
        typer.Argument(help="ingest, search, privacy, alerts, plates or security; all if omitted"),
    ] = None,
    quick: Annotated[bool, typer.Option(help="small sizes: does everything still work?")] = False,
) -> None:
    """Run the benchmarks from a source checkout (they live in bench/, beside src/)."""
    import subprocess

    if not Path("bench/run.py").exists():
        raise fail("run this from a sitewarden source checkout: the benchmarks live in bench/")
    if name is not None and not Path(f"bench/{name}.py").exists():
        raise fail(f"no benchmark {name!r}; see bench/")
    only = ["--only", name] if name else []
    command = [sys.executable, "-m", "bench.run", *only, *(["--quick"] if quick else [])]
    raise typer.Exit(code=subprocess.run(command, check=False).returncode)


# --- doctor -------------------------------------------------------------------------------
@app.command()
def doctor(
    data_dir: DataDir = None,
    probe: Annotated[
        list[str] | None,
        typer.Option(
            help="also probe this URL you own (repeatable): http(s), postgresql, "
            "redis, mongodb, mqtt; only the exact URL, never a range"
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="machine-readable output")] = False,
) -> None:
    """Audit this deployment: listening, routes, accounts, keys, files, retention, webhooks.

    Exit code by the worst finding: 0 fine, 1 minor, 2 major, 3 critical.
    """
    from sitewarden.doctor.findings import Finding, exit_code
    from sitewarden.doctor.probe import probe as probe_url
    from sitewarden.doctor.report import examine, render
    from sitewarden.privacy.keyring import KeyRing

    settings = settings_for(data_dir)
    findings: list[Finding] = []
    if settings.sqlite_path.exists():
        try:
            keys: KeyRing | None = KeyRing.load(settings.key_path)
        except ConfigError:
            keys = None  # the key check below reports what is wrong
        with opened_store(settings) as store:
            findings = examine(settings, store, keys)
    else:
        from sitewarden.doctor.checks import check_database_file

        findings = check_database_file(settings)
    for url in probe or []:
        findings += probe_url(url)
    if as_json:
        sys.stdout.write(orjson.dumps([f.as_dict() for f in findings]).decode() + "\n")
    else:
        render(findings, out)
    raise typer.Exit(code=exit_code(findings))


def main() -> None:
    try:
        app()
    except ConfigError as exc:
        err.print(f"[bold red]error:[/] {exc.message}")
        sys.exit(1)


if __name__ == "__main__":
    main()
