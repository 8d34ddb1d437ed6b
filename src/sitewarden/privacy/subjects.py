"""Subjects: the people and vehicles that personal data belongs to, and how each is named.

An event's identifying values pick its subject (``SUBJECT_FIELDS``, in order); the site
itself is the subject of what names nobody. A new subject gets a fresh data key, its
identifying value sealed under that key and a truncated blind index of the value to
find it by; two subjects seen in one event are linked (``subject_link``), so erasure
and export by either reach the other. These are the records and rules alone, apart
from the vault (``vault.py``), which caches subjects and keys and stores them.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from sitewarden.privacy.blind_index import lookup_term, normalise
from sitewarden.privacy.keyring import new_data_key
from sitewarden.privacy.records import Subject
from sitewarden.privacy.sealing import binding, seal, unseal
from sitewarden.privacy.tables import SubjectLink

SITE_SUBJECT = "site"
# Identifying fields in the order they pick the subject, and what kind of subject.
SUBJECT_FIELDS: tuple[tuple[str, str], ...] = (
    ("plate", "vehicle"),
    ("national_id", "person"),
    ("badge_id", "person"),
    ("phone", "person"),
)
LOOKUP_FIELDS = frozenset(field for field, _ in SUBJECT_FIELDS)


def subject_link(site_id: str, one: str, other: str) -> SubjectLink:
    """The link of two subjects, the same whichever is named first."""
    return (site_id, one, other) if one < other else (site_id, other, one)


def new_subject(
    index_key: bytes, site_id: str, field: str, kind: str, value: str
) -> tuple[Subject, bytes]:
    """A new subject identified by ``value``, and its data key (plain: wrap it to store)."""
    subject_id = f"{kind[0]}-{uuid.uuid4().hex}"
    key = new_data_key()
    sealed_value = seal(
        key, normalise(field, value).encode(), binding("subjects", subject_id, field)
    )
    lookup = lookup_term(index_key, site_id, field, value)
    subject = Subject(site_id, subject_id, kind, field, lookup, sealed_value, datetime.now(UTC))
    return subject, key


def open_subject_value(key: AESGCM, subject_id: str, field: str, sealed_value: bytes) -> str:
    """A subject's identifying value (normalised), opened with its data key."""
    return unseal(key, sealed_value, binding("subjects", subject_id, field)).decode()
