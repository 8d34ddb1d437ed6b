"""Access control from the command line: enrol people with badges and faces, list
them, bar them. Every change and every opening of a name is audited."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from sitewarden.cli.base import (
    DataDir,
    app,
    cli_actor,
    fail,
    guarded,
    opened_store,
    out,
    record_cli_audit,
    settings_for,
    vault_and_audit,
)
from sitewarden.errors import SitewardenError

if TYPE_CHECKING:
    from sitewarden.access.gallery import Galleries
    from sitewarden.access.people import People
    from sitewarden.config import Settings
    from sitewarden.privacy.audit import AuditLog
    from sitewarden.runtime.storage import Storage

people_app = typer.Typer(
    help="Enrolled people: residents, staff, contractors, visitors.", no_args_is_help=True
)
app.add_typer(people_app, name="people")

PHOTO_TYPES = {".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png"}


@dataclass
class AccessTools:
    """What the people commands work with, opened on the local data folder."""

    store: Storage
    people: People
    galleries: Galleries
    audit: AuditLog
    settings: Settings

    def record(self, action: str, site: str, targets: list[str], purpose: str | None) -> None:
        record_cli_audit(self.audit, action, site, targets, purpose)


@contextmanager
def access_tools(data_dir: Path | None) -> Iterator[AccessTools]:
    from sitewarden.access.gallery import Galleries
    from sitewarden.runtime.system import build_people

    settings = settings_for(data_dir)
    with opened_store(settings) as store:
        vault, audit = vault_and_audit(settings, store)
        yield AccessTools(
            store, build_people(store, vault), Galleries(store.access, vault), audit, settings
        )


def _site_of(tools: AccessTools, site: str) -> None:
    if tools.store.registry.get_site(site) is None:
        raise fail(f"site {site!r} not found")


def _photos(paths: list[Path]) -> list[Any]:
    """Decode every photo first, so that a bad one stops the command before any write."""
    from sitewarden.vision.images import FACE_IMAGE, decode_image

    photos = []
    for path in paths:
        media = PHOTO_TYPES.get(path.suffix.lower())
        if media is None:
            raise fail(f"{path}: give a .jpg, .jpeg or .png photo")
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise fail(f"cannot read {path}: {exc.strerror}") from None
        try:
            photos.append(decode_image(data, media, FACE_IMAGE))
        except SitewardenError as exc:
            raise fail(f"{path}: {exc.message}") from None
    return photos


def _face_vectors(tools: AccessTools, site: str, person_id: str | None, faces: list[Path]) -> Any:
    from sitewarden.access.gallery import checked_face_vectors
    from sitewarden.vision.faces import FaceEngine

    photos = _photos(faces)
    out.print(f"Reading {len(photos)} photo(s)…")
    engine = FaceEngine(min_face_px=tools.settings.face_min_px)
    return guarded(
        lambda: checked_face_vectors(
            engine,
            tools.galleries,
            site,
            person_id,
            photos,
            tools.settings.face_match_threshold,
        )
    )


Consent = Annotated[
    str | None,
    typer.Option(
        "--consent",
        help="record the person's consent to face matching for access: "
        "written, electronic or verbal_witnessed (needed with --face)",
    ),
]
Faces = Annotated[
    list[Path] | None,
    typer.Option("--face", help="a photo of the person's face (1 to 5; JPEG or PNG)"),
]


@people_app.command("enrol")
def enrol(
    site: str,
    name: Annotated[str, typer.Option(help="the person's name (sealed)")],
    group: Annotated[str, typer.Option(help="resident, staff, contractor or visitor")],
    national_id: Annotated[str | None, typer.Option(help="national ID number (sealed)")] = None,
    phone: Annotated[str | None, typer.Option(help="phone number (sealed)")] = None,
    valid_from: Annotated[
        datetime | None, typer.Option(help="start of the validity window (site time zone)")
    ] = None,
    valid_until: Annotated[
        datetime | None, typer.Option(help="end of the validity window (visitors)")
    ] = None,
    badge: Annotated[list[str] | None, typer.Option(help="a badge id to give them")] = None,
    face: Faces = None,
    consent: Consent = None,
    data_dir: DataDir = None,
) -> None:
    """Enrol a person, with badges and (with recorded consent) face templates.

    Every input is checked before anything is stored: a bad photo, a badge already
    held, or faces without consent leave nothing behind."""
    from sitewarden.access.gallery import store_face_templates
    from sitewarden.access.people import check_group
    from sitewarden.privacy.consent import METHODS, record_consent
    from sitewarden.validity import check_window

    faces, badges = face or [], badge or []
    if faces and consent is None:
        raise fail("face matching needs the person's consent: add --consent written|electronic")
    if consent is not None and consent not in METHODS:
        raise fail(f"unknown consent method {consent!r}; use one of {', '.join(sorted(METHODS))}")
    with access_tools(data_dir) as tools:
        _site_of(tools, site)
        start, end = _in_site_time(tools, site, valid_from), _in_site_time(tools, site, valid_until)
        guarded(lambda: check_group(group))
        guarded(lambda: check_window(start, end))
        for value in badges:
            held = tools.people.find_badge(site, value)
            if held is not None and held.revoked_at is None:
                raise fail(f"badge {value!r} is already enrolled in site {site!r}")
        vectors = _face_vectors(tools, site, None, faces) if faces else []
        person = guarded(
            lambda: tools.people.enrol(
                site,
                name=name,
                group=group,
                actor=cli_actor(),
                national_id=national_id,
                phone=phone,
                valid_from=start,
                valid_until=end,
            )
        )
        try:
            if consent is not None:
                record_consent(
                    tools.store.privacy, site, person.subject_id, "access", consent, cli_actor()
                )
            for value in badges:
                tools.people.add_badge(person, value)
            if vectors:
                store_face_templates(
                    tools.store.access,
                    tools.store.privacy,
                    tools.people.vault,
                    site,
                    person.person_id,
                    vectors,
                )
        except SitewardenError as exc:
            tools.people.erase(person)  # shred what was written: nothing half-way
            raise fail(f"{exc.message}; nothing was enrolled") from None
        tools.record("access.enrol", site, [person.subject_id], None)
    out.print(
        f"Enrolled person [bold]{person.person_id}[/] ({group}) in {site}: "
        f"{len(badges)} badge(s), {len(vectors)} face template(s)."
    )


def _in_site_time(tools: AccessTools, site: str, moment: datetime | None) -> datetime | None:
    """A window time given without an offset is read in the site's time zone."""
    from zoneinfo import ZoneInfo

    known = tools.store.registry.get_site(site)
    if moment is None or moment.tzinfo is not None or known is None:
        return moment
    return moment.replace(tzinfo=ZoneInfo(known.timezone))


@people_app.command("faces")
def faces(
    site: str,
    person_id: str,
    face: Annotated[list[Path], typer.Argument(help="1 to 5 photos of the person's face")],
    consent: Consent = None,
    data_dir: DataDir = None,
) -> None:
    """Replace a person's face templates (their consent for 'access' must be on record,
    or given now with --consent)."""
    from sitewarden.access.gallery import store_face_templates
    from sitewarden.privacy.consent import active_consent, record_consent

    with access_tools(data_dir) as tools:
        person = guarded(lambda: tools.people.require(site, person_id))
        on_record = active_consent(tools.store.privacy, site, person.subject_id, "access")
        if on_record is None and consent is None:
            raise fail(
                f"person {person_id!r} has no recorded consent for face matching; "
                "add --consent written|electronic"
            )
        vectors = _face_vectors(tools, site, person_id, face)
        if on_record is None and consent is not None:
            guarded(
                lambda: record_consent(
                    tools.store.privacy, site, person.subject_id, "access", consent, cli_actor()
                )
            )
        report = guarded(
            lambda: store_face_templates(
                tools.store.access,
                tools.store.privacy,
                tools.people.vault,
                site,
                person_id,
                vectors,
            )
        )
        tools.record("access.faces", site, [person.subject_id], None)
    out.print(f"Person {person_id} now has {report.templates} face template(s).")


@people_app.command("list")
def list_people(
    site: str,
    group: Annotated[str | None, typer.Option(help="only this group")] = None,
    purpose: Annotated[
        str | None, typer.Option(help="why names are needed; without it, names stay hidden")
    ] = None,
    data_dir: DataDir = None,
) -> None:
    """People of a site. Names are shown (and the reading audited) only with --purpose."""
    with access_tools(data_dir) as tools:
        _site_of(tools, site)
        people = tools.store.access.list_people(site, group)
        table = Table("person", "group", "name", "badges", "faces", "valid until", "barred")
        for person in people:
            details = tools.people.details(person) if purpose else None
            badges = sum(
                1
                for b in tools.store.access.list_badges(site, person.person_id)
                if b.revoked_at is None
            )
            table.add_row(
                person.person_id,
                person.group,
                details.name if details else "—",
                str(badges),
                str(tools.store.access.count_face_templates(site, person.person_id)),
                person.valid_until.isoformat() if person.valid_until else "—",
                "yes" if person.barred_at else "",
            )
        if purpose and people:
            tools.record(
                "access.people.read", site, [p.subject_id for p in people], purpose.strip()
            )
    out.print(table)
    if not purpose:
        out.print("[dim]Names hidden; give --purpose to show them (the reading is audited).[/]")


@people_app.command("bar")
def bar(
    site: str,
    person_id: str,
    reason: Annotated[str, typer.Option(help="why (sealed; shown to admins)")],
    data_dir: DataDir = None,
) -> None:
    """Bar a person: every reader denies them and an alert fires when they try."""
    with access_tools(data_dir) as tools:
        person = guarded(lambda: tools.people.require(site, person_id))
        guarded(lambda: tools.people.bar(person, reason, cli_actor()))
        tools.record("access.bar", site, [person.subject_id], None)
    out.print(f"Person {person_id} is barred.")
