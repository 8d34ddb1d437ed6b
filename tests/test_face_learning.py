"""Face templates learned at readers (access/face_learning.py): a reader sends its frame
with a badge; when the badge lets the person in, the face may join their templates.
Real photos of the faces development set stand for the reader's frames."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import LiveServer, _started_server, device_client, postgres_for
from tests.face_devset import dev_image
from tests.test_access_decisions import events_of
from tests.test_access_faces import FaceSite

pytestmark = [pytest.mark.slow, pytest.mark.both_backends]
ALWAYS = [{"days": [0, 1, 2, 3, 4, 5, 6], "start": "00:00", "end": "24:00"}]


@pytest.fixture(scope="module")
def learning_server(
    tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest, backend: str
) -> Iterator[LiveServer]:
    server = _started_server(
        tmp_path_factory.mktemp("learning"),
        "face_learning = true",
        postgres=postgres_for(request, backend),
    )
    yield server
    server.stop()


def png(name: str) -> bytes:
    out = io.BytesIO()
    dev_image(name).save(out, format="PNG")
    return out.getvalue()


class LearningSite(FaceSite):
    def consent_to(self, person_id: str, purpose: str) -> str:
        with self.server.client() as admin:
            answer = admin.post(
                f"/api/v1/sites/{self.site}/consents",
                json={"subject_id": f"p-{person_id}", "purpose": purpose, "method": "written"},
            )
        assert answer.status_code == 201, answer.text
        return str(answer.json()["consent_id"])

    def badge_with_frame(self, badge: str, frame: str, **form: str) -> dict[str, Any]:
        with device_client(self.server, self.readers["gate"]) as device:
            answer = device.post(
                "/api/v1/readers/gate/decide",
                data={"badge_id": badge, **form},
                files={"frame": (frame, png(frame), "image/png")},
            )
        assert answer.status_code == 200, answer.text
        return dict(answer.json())

    def sources(self, person_id: str) -> list[str]:
        answer = self.admin("GET", f"/people/{person_id}/faces")
        assert answer.status_code == 200, answer.text
        return [template["source"] for template in answer.json()]


def penny(server: LiveServer, site: str, learning_consent: bool = True) -> tuple[LearningSite, str]:
    """Penny, enrolled from one photo with consent for access (and face_learning), badge
    b-<site>; a rule lets residents in at any time."""
    place = LearningSite(server, site)
    place.rule("residents", "resident", windows=ALWAYS)
    person_id = place.person("Penny Teller")["person_id"]
    place.consent_to(person_id, "access")
    if learning_consent:
        place.consent_to(person_id, "face_learning")
    enrolled = place.admin(
        "POST",
        f"/people/{person_id}/faces",
        files=[("photos", ("p1.png", png("penny__fa_penny1.png"), "image/png"))],
    )
    assert enrolled.status_code == 201, enrolled.text
    badge = place.admin("POST", f"/people/{person_id}/badges", json={"badge_id": f"b-{site}"})
    assert badge.status_code == 201, badge.text
    return place, person_id


def test_a_frame_of_the_person_a_badge_let_in_becomes_a_template(
    learning_server: LiveServer,
) -> None:
    site, person = penny(learning_server, "fl-learn")
    answer = site.badge_with_frame("b-fl-learn", "penny__fa_penny2.png")
    assert answer["granted"] is True and answer["credential"] == "badge"
    assert answer["face_learning"] == "learned"
    assert site.sources(person) == ["enrolment", "reader"]
    [event] = events_of(learning_server, "fl-learn", "access.granted")
    assert event["attributes"]["face_learning"] == "learned"  # the event log says so too
    # the learned template now decides: the same frame at the reader is nearly 0 away
    decided = site.face(png("penny__fa_penny2.png"), content_type="image/png")
    assert decided["granted"] is True and decided["distance"] < 0.05
    # the same face again adds nothing
    again = site.badge_with_frame("b-fl-learn", "penny__fa_penny2.png")
    assert again["face_learning"] == "already_known"
    assert site.sources(person) == ["enrolment", "reader"]


def test_a_borrowed_badge_never_teaches_the_borrowers_face(learning_server: LiveServer) -> None:
    site, person = penny(learning_server, "fl-borrowed")
    answer = site.badge_with_frame("b-fl-borrowed", "amy__fa_amy1.png")
    assert answer["granted"] is True  # the badge decides; the face is only learned from
    assert answer["face_learning"] == "not_this_person"
    assert site.sources(person) == ["enrolment"]


def test_nothing_is_learned_without_consent_or_a_grant(learning_server: LiveServer) -> None:
    site, person = penny(learning_server, "fl-consent", learning_consent=False)
    answer = site.badge_with_frame("b-fl-consent", "penny__fa_penny2.png")
    assert answer["granted"] is True and answer["face_learning"] == "no_consent"
    unknown = site.badge_with_frame("no-such-badge", "penny__fa_penny2.png")
    assert unknown["granted"] is False and unknown["face_learning"] == "not_granted"
    assert site.sources(person) == ["enrolment"]


def test_a_person_keeps_three_learned_templates_and_withdrawal_erases_them(
    learning_server: LiveServer,
) -> None:
    site, person = penny(learning_server, "fl-cap")
    outcomes = [
        site.badge_with_frame("b-fl-cap", f"penny__fa_penny{n}.png")["face_learning"]
        for n in (2, 3, 5, 4)
    ]
    learned = outcomes.count("learned")
    assert learned >= 3, outcomes
    assert site.sources(person) == ["enrolment", "reader", "reader", "reader"]
    with site.server.client() as admin:
        consents = admin.get(
            f"/api/v1/sites/{site.site}/consents", params={"subject_id": f"p-{person}"}
        ).json()
        learning = next(c for c in consents if c["purpose"] == "face_learning")
        withdrawn = admin.post(
            f"/api/v1/sites/{site.site}/consents/{learning['consent_id']}/withdraw"
        )
    assert withdrawn.status_code == 200, withdrawn.text
    assert site.sources(person) == ["enrolment"]  # the enrolled template stays


def test_a_bad_form_is_refused_with_what_is_wrong(learning_server: LiveServer) -> None:
    site, _ = penny(learning_server, "fl-form")
    with device_client(site.server, site.readers["gate"]) as device:
        no_frame = device.post(
            "/api/v1/readers/gate/decide", files={"badge_id": (None, "b-fl-form")}
        )
        urlencoded = device.post("/api/v1/readers/gate/decide", data={"badge_id": "b-fl-form"})
        no_badge = device.post(
            "/api/v1/readers/gate/decide",
            files={"frame": ("f.png", png("penny__fa_penny2.png"), "image/png")},
        )
        not_image = device.post(
            "/api/v1/readers/gate/decide",
            data={"badge_id": "b-fl-form"},
            files={"frame": ("f.png", b"not an image", "image/png")},
        )
    assert no_frame.status_code == 422 and "frame" in no_frame.text
    assert urlencoded.status_code == 415 and "multipart/form-data" in urlencoded.text
    assert no_badge.status_code == 422 and "badge_id" in no_badge.text
    assert not_image.status_code in (400, 415, 422), not_image.text


def test_a_deployment_without_face_learning_learns_nothing(shared_server: LiveServer) -> None:
    site, person = penny(shared_server, "fl-off")
    answer = site.badge_with_frame("b-fl-off", "penny__fa_penny2.png")
    assert answer["granted"] is True and answer["face_learning"] == "off"
    assert site.sources(person) == ["enrolment"]


def test_the_records_of_processing_list_learned_faces_when_it_is_on(
    learning_server: LiveServer, shared_server: LiveServer
) -> None:
    penny(learning_server, "fl-records")
    penny(shared_server, "fl-records-off")

    def categories(server: LiveServer, site: str) -> set[str]:
        with server.client() as admin:
            records = admin.get("/api/v1/records-of-processing").json()["sites"]
        record = next(r for r in records if r["site_id"] == site)
        return {c["category"] for c in record["categories"]}

    assert "learned_faces" in categories(learning_server, "fl-records")
    assert "learned_faces" not in categories(shared_server, "fl-records-off")
