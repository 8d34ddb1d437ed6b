"""Face templates: consent-gated enrolment, and each site's gallery in memory.

Templates are sealed under the person's data key before they are stored. A site's
gallery is opened into memory only (never written in clear anywhere) and reloaded
whenever the site's gallery version in the store moves, which every enrolment,
withdrawal and erasure does in the same transaction as its change, on any node.
"""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import combinations

import numpy as np
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from PIL import Image

from sitewarden.access.records import SealedTemplate, subject_of
from sitewarden.access.tables import AccessTables
from sitewarden.errors import Conflict, InvalidInput
from sitewarden.privacy.consent import require_consent
from sitewarden.privacy.sealing import binding, seal, unseal
from sitewarden.privacy.tables import PrivacyTables
from sitewarden.privacy.vault import Vault
from sitewarden.vision.faces import FaceEngine, Gallery, Vector

TEMPLATES_TABLE = "access_face_templates"
TEMPLATE_FIELD = "template"
MAX_PHOTOS = 5
CONSENT_PURPOSE = "access"
# Enrolment photos count only confident detections, so that a weak false detection (a
# badge on a jacket) does not make a portrait look like a group photo.
ENROL_DETECTION_THRESHOLD = 0.5

PROBLEMS = {
    "no_clear_face": "no clear face found",
    "face_too_small": "the face is too small; take the photo closer",
}


def _aad(template_id: str) -> bytes:
    return binding(TEMPLATES_TABLE, template_id, TEMPLATE_FIELD)


def seal_template(key: bytes | AESGCM, template_id: str, vector: Vector) -> bytes:
    """A face embedding sealed under a person's data key, bound to its row."""
    return seal(key, vector.astype(np.float32).tobytes(), _aad(template_id))


class Galleries:
    """Each site's opened gallery, reloaded when its version moves. Thread-safe."""

    def __init__(self, access: AccessTables, vault: Vault) -> None:
        self.access = access
        self.vault = vault
        self._lock = threading.Lock()
        self._by_site: dict[str, Gallery] = {}

    def for_site(self, site_id: str) -> Gallery:
        version = self.access.gallery_version(site_id)
        cached = self._by_site.get(site_id)
        if cached is not None and cached.version == version:
            return cached
        with self._lock:
            cached = self._by_site.get(site_id)
            if cached is None or cached.version != version:
                cached = self._load(site_id, version)
                self._by_site[site_id] = cached
            return cached

    def _load(self, site_id: str, version: int) -> Gallery:
        owners: list[str] = []
        vectors: list[Vector] = []
        for template in self.access.face_templates(site_id):
            key = self.vault.stored_data_key(site_id, subject_of(template.person_id))
            if key is None:  # the person was erased; their templates go with them
                continue
            opened = unseal(key, template.sealed_template, _aad(template.template_id))
            owners.append(template.person_id)
            vectors.append(np.frombuffer(opened, dtype=np.float32))
        matrix = np.vstack(vectors) if vectors else np.zeros((0, 128), dtype=np.float32)
        return Gallery(owners, matrix, version)


@dataclass(frozen=True, slots=True)
class EnrolmentReport:
    person_id: str
    templates: int
    gallery_version: int


def embeddings_of(engine: FaceEngine, photos: list[Image.Image], threshold: float) -> list[Vector]:
    """One embedding per photo; each photo must show exactly one clear face, and the
    photos must be one person by the matching rule itself (:func:`check_one_person`)."""
    if not 1 <= len(photos) <= MAX_PHOTOS:
        raise InvalidInput(f"send 1 to {MAX_PHOTOS} photos, not {len(photos)}")
    found = []
    for number, photo in enumerate(photos, start=1):
        reading = engine.read(photo, threshold=ENROL_DETECTION_THRESHOLD)
        if reading.problem is not None:
            raise InvalidInput(f"photo {number}: {PROBLEMS.get(reading.problem, reading.problem)}")
        if reading.faces > 1:
            raise InvalidInput(
                f"photo {number} shows {reading.faces} faces; enrol from photos of one person"
            )
        assert reading.embedding is not None
        found.append(reading.embedding)
    check_one_person(found, threshold)
    return found


def check_one_person(vectors: list[Vector], threshold: float) -> None:
    """Refuse photos that the matcher would not take for one person: each photo must be
    within the site's ``threshold`` of another, all linked into one group (a door would
    match a probe near any of them, so an enrolment is judged the same way; two views
    of a person a little further apart than the threshold are linked by a third)."""
    if len(vectors) < 2:
        return
    linked = {0}
    changed = True
    while changed:
        changed = False
        for a, b in combinations(range(len(vectors)), 2):
            near = float(np.linalg.norm(vectors[a] - vectors[b])) <= threshold
            if near and (a in linked) != (b in linked):
                linked |= {a, b}
                changed = True
    apart = [str(n + 1) for n in range(len(vectors)) if n not in linked]
    if apart:
        raise InvalidInput(
            f"photo(s) {', '.join(apart)} do not look like the same person as photo 1: "
            f"not within the site's face_match_threshold {threshold} of it or of a photo "
            "that is; enrol from clear, frontal photos of one person"
        )


def enrol_faces(
    access: AccessTables,
    consents: PrivacyTables,
    vault: Vault,
    galleries: Galleries,
    engine: FaceEngine,
    site_id: str,
    person_id: str,
    photos: list[Image.Image],
    threshold: float,
) -> EnrolmentReport:
    """Replace the person's face templates with those of ``photos`` (1 to 5).

    Refused without an active consent for 'access'; refused if the face matches
    someone else already enrolled in the site; nothing is stored unless every photo
    is usable.
    """
    require_consent(consents, site_id, subject_of(person_id), CONSENT_PURPOSE)
    vectors = checked_face_vectors(engine, galleries, site_id, person_id, photos, threshold)
    return store_face_templates(access, consents, vault, site_id, person_id, vectors)


def checked_face_vectors(
    engine: FaceEngine,
    galleries: Galleries,
    site_id: str,
    person_id: str | None,
    photos: list[Image.Image],
    threshold: float,
) -> list[Vector]:
    """The photos' embeddings, refused if any photo is unusable or if the face matches
    someone other than ``person_id`` (None: a person not enrolled yet)."""
    vectors = embeddings_of(engine, photos, threshold)
    gallery = galleries.for_site(site_id)
    for vector in vectors:
        match = gallery.match(vector, threshold, 0.0)
        if match.owner is not None and match.owner != person_id:
            raise Conflict(
                f"this face matches person {match.owner!r}, already enrolled in the site; "
                "check who is who before enrolling again"
            )
    return vectors


def store_face_templates(
    access: AccessTables,
    consents: PrivacyTables,
    vault: Vault,
    site_id: str,
    person_id: str,
    vectors: list[Vector],
) -> EnrolmentReport:
    """Seal the checked vectors under the person's key and make them the person's
    templates (consent for 'access' is required here too)."""
    require_consent(consents, site_id, subject_of(person_id), CONSENT_PURPOSE)
    key = vault.data_key_for(site_id, subject_of(person_id))
    now = datetime.now(UTC)
    templates = []
    for vector in vectors:
        template_id = "f-" + secrets.token_hex(8)
        sealed = seal_template(key, template_id, vector)
        templates.append(SealedTemplate(site_id, template_id, person_id, sealed, now))
    version = access.replace_face_templates(site_id, person_id, templates)
    return EnrolmentReport(person_id, len(templates), version)
