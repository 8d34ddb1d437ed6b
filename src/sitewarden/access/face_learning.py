"""Face templates learned at readers: the frame of a person a badge let in.

A face changes (a beard, glasses, age) and a reader's camera sees it in its own light,
while enrolment photos stay as they were taken. When a reader sends its frame with a
badge (``POST /readers/{id}/decide`` as a form: ``badge_id``, ``frame``) and the badge
lets the person in, the frame's face is kept as one more template of that person, if:

- the deployment allows it (``face_learning``, off by default);
- the person has active consents for ``access`` and for ``face_learning`` (withdrawing
  ``face_learning`` erases the learned templates; withdrawing ``access`` erases all);
- the frame shows one clear face that the matcher already takes for that person:
  within ``face_match_threshold`` of their templates and nearer them than anyone else's
  by the margin. A borrowed badge never teaches the borrower's face, and a person with
  no enrolled face gets none this way: enrolment stays a deliberate act;
- it is not nearly a copy of a template the person has (closer than ``ALREADY_KNOWN``).

A person keeps their ``MAX_LEARNED`` newest learned templates; enrolling again replaces
all of them. Learned templates are sealed under the person's key like enrolled ones.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

import numpy as np
from PIL import Image

from sitewarden.access.gallery import CONSENT_PURPOSE, Galleries, seal_template
from sitewarden.access.records import SealedTemplate, subject_of
from sitewarden.privacy.consent import active_consent
from sitewarden.privacy.tables import PrivacyTables
from sitewarden.vision.faces import CLEAR_FACE_SCORE, FaceEngine

LEARNING_PURPOSE = "face_learning"
MAX_LEARNED = 3  # learned templates a person keeps, newest first
# A frame this close to one of the person's templates adds nothing new (two photos of
# one person on the development set were 0.25-0.67 apart).
ALREADY_KNOWN = 0.3


def learn_from_frame(
    galleries: Galleries,
    consents: PrivacyTables,
    engine: FaceEngine,
    site_id: str,
    person_id: str,
    frame: Image.Image,
    threshold: float,
    margin: float,
) -> str:
    """Keep the frame's face as a template of ``person_id`` (whom a badge just let in)
    when the rules above allow it: ``learned``, or why not."""
    subject = subject_of(person_id)
    for purpose in (CONSENT_PURPOSE, LEARNING_PURPOSE):
        if active_consent(consents, site_id, subject, purpose) is None:
            return "no_consent"
    if galleries.access.count_face_templates(site_id, person_id) == 0:
        return "not_enrolled"
    reading = engine.read(frame, threshold=CLEAR_FACE_SCORE)
    if reading.embedding is None or reading.faces != 1:
        return "no_clear_face"
    match = galleries.for_site(site_id).match(reading.embedding, threshold, margin)
    if match.owner != person_id:
        return "not_this_person"
    if match.distance < ALREADY_KNOWN:
        return "already_known"
    key = galleries.vault.data_key_for(site_id, subject)
    template_id = "f-" + secrets.token_hex(8)
    sealed = seal_template(key, template_id, reading.embedding.astype(np.float32))
    template = SealedTemplate(site_id, template_id, person_id, sealed, datetime.now(UTC))
    galleries.access.add_learned_template(template, MAX_LEARNED)
    return "learned"
