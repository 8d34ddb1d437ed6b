"""Keys, the audit log, subject requests, retention and backups."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import orjson
import typer
from rich.progress import Progress
from rich.table import Table

from sitewarden.cli.base import (
    DataDir,
    app,
    audit_cli_change,
    err,
    fail,
    guarded,
    opened_store,
    out,
    record_cli_audit,
    settings_for,
    vault_and_audit,
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
        task = bar.add_task("re-wrapping data keys", total=store.privacy.count_data_keys() or 1)

        def advance(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total or 1)

        report = guarded(
            lambda: rotate_kek(store.privacy, settings.key_path, batch=batch, progress=advance)
        )
        audit_cli_change(settings, store, "keys.rotate", None, [report.new_kek_id])
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
        result = AuditLog(store.privacy, keys.audit_key, settings.key_path).verify()
    if not result.ok:
        raise fail(f"audit chain broken at entry {result.broken_seq}: {result.reason}")
    out.print(f"[green]Audit chain intact[/]: {result.checked} entries verified.")
    if result.anchored is None:
        err.print(
            "[bold yellow]not anchored yet:[/] this key folder holds no audit anchor, so an "
            "emptied or cut-back chain would look intact; the next audited action anchors it",
            highlight=False,
        )
    else:
        out.print(f"It reaches entry {result.anchored}, the newest anchored on this host.")


def _subject_ref(
    site: str,
    plate: str | None,
    national_id: str | None,
    badge: str | None,
    subject_id: str | None,
    phone: str | None = None,
) -> Any:
    from sitewarden.privacy.subject_requests import SubjectRef

    given = [
        (f, v)
        for f, v in (
            ("plate", plate),
            ("national_id", national_id),
            ("badge_id", badge),
            ("phone", phone),
            ("subject_id", subject_id),
        )
        if v
    ]
    if len(given) != 1:
        raise fail(
            "name the subject by exactly one of --plate, --national-id, --badge, --phone, --subject"
        )
    return guarded(lambda: SubjectRef(site, given[0][0], given[0][1]))


SubjectPlate = Annotated[str | None, typer.Option("--plate", help="licence plate")]
SubjectNid = Annotated[str | None, typer.Option("--national-id", help="national ID number")]
SubjectBadge = Annotated[str | None, typer.Option("--badge", help="badge id")]
SubjectPhone = Annotated[str | None, typer.Option("--phone", help="phone number")]
SubjectId = Annotated[str | None, typer.Option("--subject", help="subject id")]


@subject_app.command("export")
def subject_export(
    site: str,
    output: Annotated[Path, typer.Option("--output", "-o", help="JSON file to write")],
    purpose: Annotated[str, typer.Option(help="the request's reference (audited)")],
    plate: SubjectPlate = None,
    national_id: SubjectNid = None,
    badge: SubjectBadge = None,
    subject: SubjectId = None,
    phone: SubjectPhone = None,
    force: Annotated[
        bool, typer.Option("--force", help="replace an existing file with a new 0600 one")
    ] = False,
    data_dir: DataDir = None,
) -> None:
    """Write everything held about a person or vehicle to a new 0600 JSON file (audited)."""
    from sitewarden.cli.private_file import PrivateFile
    from sitewarden.privacy.subject_export import export_subject
    from sitewarden.runtime.system import build_subject_requests

    ref = _subject_ref(site, plate, national_id, badge, subject, phone)
    settings = settings_for(data_dir)
    # Claimed first: a path that is refused must not cost an export and its audit entry.
    target = guarded(lambda: PrivateFile(output, replace=force))
    try:
        with opened_store(settings) as store:
            vault, audit = vault_and_audit(settings, store)
            exported = export_subject(build_subject_requests(store, vault), ref)
            record_cli_audit(
                audit,
                "subject.export",
                site,
                [s["subject_id"] for s in exported["subjects"]],
                purpose,
            )
    except BaseException:
        target.abandon()
        raise
    guarded(lambda: target.write(orjson.dumps(exported, option=orjson.OPT_INDENT_2)))
    out.print(
        f"Exported {len(exported['events'])} events of {len(exported['subjects'])} "
        f"subject(s) to {output} (mode 0600)."
    )
    _warn_unresolved(exported["unresolved"])


@subject_app.command("erase")
def subject_erase(
    site: str,
    purpose: Annotated[str, typer.Option(help="the request's reference (audited)")],
    plate: SubjectPlate = None,
    national_id: SubjectNid = None,
    badge: SubjectBadge = None,
    subject: SubjectId = None,
    phone: SubjectPhone = None,
    yes: Annotated[bool, typer.Option("--yes", help="do not ask for confirmation")] = False,
    data_dir: DataDir = None,
) -> None:
    """Crypto-shred a person or vehicle: their sealed fields become unreadable everywhere."""
    from sitewarden.runtime.system import build_subject_requests

    ref = _subject_ref(site, plate, national_id, badge, subject, phone)
    if not yes and not typer.confirm("Erase this subject's personal data for good?"):
        raise fail("not erased")
    settings = settings_for(data_dir)
    with opened_store(settings) as store:
        vault, audit = vault_and_audit(settings, store)
        report = build_subject_requests(store, vault).erase(ref)
        record_cli_audit(audit, "subject.erase", site, report.subject_ids, purpose)
    out.print(
        f"Erased {len(report.subject_ids)} subject(s); {report.events_erased} events now "
        "read as erased."
    )
    _warn_unresolved(report.unresolved)


def _warn_unresolved(notes: list[str]) -> None:
    """Say what a subject request may not have reached: it must not look complete."""
    for note in notes:
        err.print(f"[bold yellow]incomplete:[/] {note}", highlight=False)


@retention_app.command("run")
def retention_run(data_dir: DataDir = None) -> None:
    """Delete everything past its retention now, with progress, and report counts."""
    from sitewarden.privacy.retention import deleted_counts, run_retention
    from sitewarden.privacy.retention_ledger import RetentionLedger, run_recorder

    settings = settings_for(data_dir)
    with opened_store(settings) as store, Progress(console=err, transient=True) as bar:
        tasks: dict[str, Any] = {}

        def advance(category: str, total: int) -> None:
            if category not in tasks:
                tasks[category] = bar.add_task(f"deleting {category}", total=None)
            bar.update(tasks[category], completed=total)

        started = datetime.now(UTC)
        report = run_retention(
            store.events,
            store.access_media,
            settings.retention_days,
            frames=store.review_frames,
            lane_frames=store.lane_frames,
            progress=advance,
        )
        audit_cli_change(settings, store, "retention.run", None, deleted_counts(report))
        run_recorder(RetentionLedger(store.db), "cli")(started, datetime.now(UTC), report)
    table = Table("category", "kept for", "deleted")
    for category, days in settings.retention_days.items():
        kept = f"{days:g} days" if days else "forever"
        table.add_row(category, kept, str(report.deleted.get(category, 0)))
    if "reader_images" in report.deleted:
        expiry = f"{settings.reader_image_days:g} days (each)"
        table.add_row("reader_images", expiry, str(report.deleted["reader_images"]))
    if "review_frames" in report.deleted:
        table.add_row("review_frames", "plate_reads (each)", str(report.deleted["review_frames"]))
    if "lane_frames" in report.deleted:
        table.add_row("lane_frames", "plate_reads (each)", str(report.deleted["lane_frames"]))
    out.print(table)


@app.command()
def backup(
    output: Annotated[Path, typer.Argument(help="file to write the copy to")],
    data_dir: DataDir = None,
) -> None:
    """Copy the database while it runs. Sealed fields stay sealed; keys are not included."""
    if output.exists():
        raise fail(f"{output} exists; choose a new file")
    folder = output.absolute().parent
    if not folder.is_dir():
        raise fail(f"folder {folder} does not exist; create it first or choose another file")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise fail(f"folder {folder} is not writable; choose another file")
    settings = settings_for(data_dir)
    with opened_store(settings) as store:
        # Audited first, so that the copy holds its own entry (and a restored copy's chain
        # reaches the anchor the entry advanced).
        audit_cli_change(settings, store, "backup.write", None, [output.name])
        store.db.backup_to(output)
    os.chmod(output, 0o600)
    out.print(f"Backup written to {output}. Keep the key folder's backup apart from it.")
