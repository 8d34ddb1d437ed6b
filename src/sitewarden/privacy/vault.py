"""The vault: seals personal parts before they are stored, and opens them for reads.

Each event's personal part is sealed under the data key of its *subject*:

- a vehicle, when the event carries a plate;
- a person, by ``person_ref`` (an enrolled person's id) or else by national ID
  number, badge or phone;
- otherwise the site's own key.

Every other identifying value of the event gets its subject too, *linked* to the one
the event is sealed under (``subject_links``): an ID number seen beside a badge leads
from either to the other, so erasure and export by any of them reach the event.

Subjects are created on first sight, each with a fresh data key wrapped by the KEK
and a truncated blind index of its identifying value. Resolved subjects, stored links
and the unwrapped keys of subjects something is sealed under are cached in memory only;
a subject only ever linked keeps its key wrapped in the store (see ``_data_keys``).
What a subject is lives in ``subjects.py``, how a personal part is sealed in
``personal_part.py``; the vault holds the caches, the lock and the order of storing.
"""

from __future__ import annotations

import threading
from collections.abc import Collection, Iterable, Sequence
from datetime import UTC, datetime
from typing import Protocol

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from sitewarden.events.model import Event
from sitewarden.privacy.blind_index import full_term, lookup_term, normalise
from sitewarden.privacy.keyring import KeyRing, new_data_key, unwrap_key, wrap_key
from sitewarden.privacy.personal_part import Opened, open_personal, seal_personal
from sitewarden.privacy.records import ERASED_PERSONAL, Subject, WrappedKey
from sitewarden.privacy.sealing import cipher
from sitewarden.privacy.subjects import (
    SITE_SUBJECT,
    SUBJECT_FIELDS,
    new_subject,
    open_subject_value,
    subject_link,
)
from sitewarden.privacy.tables import PrivacyTables, SubjectLink


class KeyWriter(Protocol):
    """Where new data keys and subjects are stored: the vault's tables, or the process that
    writes the database (``runtime/writer_process.py``)."""

    def add_data_keys(
        self,
        items: Sequence[tuple[WrappedKey, Subject | None]],
        links: Sequence[SubjectLink] = (),
    ) -> set[tuple[str, str]]: ...


def _key_binding(site_id: str, subject_id: str) -> bytes:
    return f"{site_id}\x00{subject_id}".encode()


class Vault:
    """Thread-safe; one per process, shared by ingest and reads."""

    def __init__(
        self, privacy: PrivacyTables, keys: KeyRing, key_writer: KeyWriter | None = None
    ) -> None:
        self._privacy = privacy
        self._key_writer: KeyWriter = key_writer or privacy
        self._keys = keys
        self._lock = threading.RLock()
        # Unwrapped data keys, ready as AES-GCM instances; memory only. Only of subjects
        # something is sealed under: an instance holds about 2.5 kB, and linked-only
        # subjects (the badge beside an enrolled person's reference) outnumber the rest.
        self._data_keys: dict[tuple[str, str], AESGCM] = {}
        # (site, full blind-index term) -> subject id
        self._subjects: dict[tuple[str, bytes], str] = {}
        # Subject links known to be stored.
        self._links: set[SubjectLink] = set()
        # Each site's erasure count when its cached keys were last known good; another
        # process's erasure bumps the stored count (see ``_catch_up``).
        self._epochs: dict[str, int] = {}

    # --- data keys ---------------------------------------------------------------
    def _wrapped(self, site_id: str, subject_id: str, key: bytes) -> WrappedKey:
        binding_ = _key_binding(site_id, subject_id)
        return WrappedKey(
            site_id,
            subject_id,
            wrap_key(self._keys.kek, key, binding_),
            self._keys.kek_id,
            datetime.now(UTC),
        )

    def _stored_key(self, site_id: str, subject_id: str, *, keep: bool = True) -> AESGCM | None:
        """The subject's key from the cache, else from the store (cached if ``keep``);
        None if it is not stored."""
        cached = self._data_keys.get((site_id, subject_id))
        if cached is not None:
            return cached
        stored = self._privacy.get_data_keys(site_id, [subject_id]).get(subject_id)
        if stored is None:
            return None
        key = cipher(unwrap_key(self._keys.kek, stored.wrapped, _key_binding(site_id, subject_id)))
        if keep:
            self._data_keys[(site_id, subject_id)] = key
        return key

    def _sealing_key(
        self, site_id: str, subject_id: str, fresh: dict[tuple[str, str], bytes]
    ) -> AESGCM | None:
        """The key to seal under, kept from now on: cached, else created in this call
        (and stored by now), else read from the store; None if it is not stored."""
        pair = (site_id, subject_id)
        cached = self._data_keys.get(pair)
        if cached is not None:
            return cached
        created = fresh.get(pair)
        if created is None:
            return self._stored_key(site_id, subject_id)
        key = self._data_keys[pair] = cipher(created)
        return key

    def forget(self, site_id: str, subject_id: str) -> None:
        with self._lock:
            self._data_keys.pop((site_id, subject_id), None)
            for cached, known in list(self._subjects.items()):
                if cached[0] == site_id and known == subject_id:
                    del self._subjects[cached]
            self._links = {
                link for link in self._links if link[0] != site_id or subject_id not in link
            }

    def _catch_up(self, site_ids: Iterable[str]) -> None:
        """Drop what this process caches of sites where a subject was erased since: the
        erasure may have run elsewhere (another node, the CLI beside a running server),
        and nothing may be sealed under a deleted key or linked to an erased subject.
        One read per call; erasures are rare, so the caches rarely start again."""
        wanted = set(site_ids)
        if not wanted:
            return
        stored = self._privacy.vault_epochs(sorted(wanted))
        for site_id in wanted:
            epoch = stored.get(site_id, 0)
            if self._epochs.get(site_id, 0) == epoch:
                continue
            self._epochs[site_id] = epoch
            for pair in [pair for pair in self._data_keys if pair[0] == site_id]:
                del self._data_keys[pair]
            for cached in [cached for cached in self._subjects if cached[0] == site_id]:
                del self._subjects[cached]
            self._links = {link for link in self._links if link[0] != site_id}

    def data_key_for(self, site_id: str, subject_id: str) -> AESGCM:
        """The data key of a fixed-id subject (an enrolled person, the site), created
        (and stored) on first use; for sealing records outside events."""
        with self._lock:
            self._catch_up([site_id])
            pending: list[tuple[WrappedKey, Subject | None]] = []
            self._key_for(site_id, subject_id, pending)
            self._persist(pending)
            return self._data_keys[(site_id, subject_id)]

    def stored_data_key(self, site_id: str, subject_id: str) -> AESGCM | None:
        """The subject's data key if it exists; None once the subject was erased."""
        with self._lock:
            return self._stored_key(site_id, subject_id)

    def lookup_term(self, site_id: str, field: str, value: str) -> bytes:
        """The truncated blind-index term of a value (for tables outside the vault)."""
        return lookup_term(self._keys.index_key, site_id, field, value)

    # --- subjects ------------------------------------------------------------------
    def find_subjects(self, site_id: str, field: str, value: str) -> list[str]:
        """Subjects whose identifying ``field`` equals ``value`` (false positives removed)."""
        wanted = normalise(field, value)
        matches = []
        for candidate in self._privacy.find_subjects(
            site_id, field, lookup_term(self._keys.index_key, site_id, field, value)
        ):
            # Not kept: most lookups are of linked subjects that nothing is sealed under.
            key = self._stored_key(site_id, candidate.subject_id, keep=False)
            if key is None:
                continue
            opened = open_subject_value(key, candidate.subject_id, field, candidate.sealed_value)
            if opened == wanted:
                matches.append(candidate.subject_id)
        return matches

    def subject_value(self, site_id: str, subject_id: str) -> str | None:
        """A subject's identifying value (normalised), opened; None once it is erased.

        Callers decide who may see it and audit the opening."""
        subject = self._privacy.get_subject(site_id, subject_id)
        key = None if subject is None else self._stored_key(site_id, subject_id)
        if subject is None or key is None:
            return None
        return open_subject_value(key, subject_id, subject.field, subject.sealed_value)

    def subject_for(self, site_id: str, field: str, kind: str, value: str) -> str:
        """The subject identified by ``value``, created (and stored) on first sight."""
        with self._lock:
            self._catch_up([site_id])
            pending: list[tuple[WrappedKey, Subject | None]] = []
            subject_id = self._resolve(site_id, field, kind, value, pending, {})
            self._persist(pending)
            return subject_id

    def _resolve(
        self,
        site_id: str,
        field: str,
        kind: str,
        value: str,
        pending: list[tuple[WrappedKey, Subject | None]],
        fresh: dict[tuple[str, str], bytes],
    ) -> str:
        term = full_term(self._keys.index_key, site_id, field, value)
        known = self._subjects.get((site_id, term))
        if known is None:
            found = self.find_subjects(site_id, field, value)
            known = (
                found[0]
                if found
                else self._new_subject(site_id, field, kind, value, pending, fresh)
            )
            self._subjects[(site_id, term)] = known
        return known

    def _new_subject(
        self,
        site_id: str,
        field: str,
        kind: str,
        value: str,
        pending: list[tuple[WrappedKey, Subject | None]],
        fresh: dict[tuple[str, str], bytes],
    ) -> str:
        """A new subject, its key and record added to ``pending`` and its plain key to
        ``fresh`` (not to the cache: it may only ever be linked)."""
        subject, key = new_subject(self._keys.index_key, site_id, field, kind, value)
        pending.append((self._wrapped(site_id, subject.subject_id, key), subject))
        fresh[(site_id, subject.subject_id)] = key
        return subject.subject_id

    def _key_for(
        self, site_id: str, subject_id: str, pending: list[tuple[WrappedKey, Subject | None]]
    ) -> None:
        """Make sure a key exists for a subject with a fixed id (the site, an enrolled person)."""
        if self._stored_key(site_id, subject_id) is None:
            key = new_data_key()
            pending.append((self._wrapped(site_id, subject_id, key), None))
            self._data_keys[(site_id, subject_id)] = cipher(key)

    def _persist(
        self,
        pending: list[tuple[WrappedKey, Subject | None]],
        links: Collection[SubjectLink] = (),
    ) -> None:
        """Storage new keys, subjects and links in one transaction, before anything sealed
        under them."""
        if not pending and not links:
            return
        try:
            existing = self._key_writer.add_data_keys(pending, sorted(links))
        except Exception:
            self._forget_unstored(pending)
            raise
        self._links.update(links)
        for site_id, subject_id in existing:
            # Another process created this fixed-id key first: use the stored one.
            self._data_keys.pop((site_id, subject_id), None)
            self._stored_key(site_id, subject_id)

    def _forget_unstored(self, pending: list[tuple[WrappedKey, Subject | None]]) -> None:
        """Drop keys and subjects whose transaction failed: nothing may be sealed under a
        key that is not stored."""
        lost = {(key.site_id, key.subject_id) for key, _ in pending}
        for pair in lost:
            self._data_keys.pop(pair, None)
        for cached, known in list(self._subjects.items()):
            if (cached[0], known) in lost:
                del self._subjects[cached]

    def _subject_of(
        self,
        event: Event,
        pending: list[tuple[WrappedKey, Subject | None]],
        links: set[SubjectLink],
        fresh: dict[tuple[str, str], bytes],
    ) -> str:
        """The subject the event is sealed under: its plate's, else its ``person_ref``'s,
        else its first identifying value's, else the site's. The subject of every other
        identifying value is linked to it (and created if new)."""
        site_id = event.site_id
        personal = event.personal or {}
        ref = event.attributes.get("person_ref")
        found = [
            self._resolve(site_id, field, kind, value, pending, fresh)
            for field, kind in SUBJECT_FIELDS
            if isinstance(value := personal.get(field), str) and normalise(field, value)
        ]
        if isinstance(ref, str):
            person = f"p-{ref}"
            self._key_for(site_id, person, pending)
            plate = personal.get("plate")
            has_plate = isinstance(plate, str) and bool(normalise("plate", plate))
            found.insert(1 if has_plate else 0, person)
        if not found:
            self._key_for(site_id, SITE_SUBJECT, pending)
            return SITE_SUBJECT
        sealed_under = found[0]
        for other in found[1:]:
            link = subject_link(site_id, sealed_under, other)
            if other != sealed_under and link not in self._links:
                links.add(link)
        return sealed_under

    # --- events ----------------------------------------------------------------------
    def seal_events(self, events: Sequence[Event]) -> None:
        """Seal each event's personal part in place and drop the clear text.

        New subjects and keys of the whole batch are stored in one transaction first.
        """
        with self._lock:
            self._catch_up(event.site_id for event in events if event.personal)
            pending: list[tuple[WrappedKey, Subject | None]] = []
            links: set[SubjectLink] = set()
            fresh: dict[tuple[str, str], bytes] = {}
            subjects = [
                self._subject_of(event, pending, links, fresh) if event.personal else None
                for event in events
            ]
            self._persist(pending, links)
            # After _persist: every key used here is stored. One not stored (its subject
            # erased meanwhile) seals nothing: that event's personal part is dropped.
            keys = [
                None if subject is None else self._sealing_key(event.site_id, subject, fresh)
                for event, subject in zip(events, subjects, strict=True)
            ]
        for event, subject_id, key in zip(events, subjects, keys, strict=True):
            if subject_id is None or key is None or not event.personal:
                event.personal = None
                continue
            seal_personal(event, subject_id, key)

    def open_event(self, event: Event, *, with_media: bool = False) -> Opened:
        """The personal part of a stored event; raises SealBroken if it was tampered with."""
        if event.sealed_personal == ERASED_PERSONAL:
            return Opened("erased")
        if event.sealed_personal is None or event.subject_id is None:
            return Opened("none")
        key = self._stored_key(event.site_id, event.subject_id)
        if key is None:
            return Opened("erased")
        return open_personal(event, key, with_media=with_media)
