"""Face enrolment and face decisions against a real server, with real portraits:
consent-gated enrolment, granted / not_enrolled / no_clear_face, several faces, sealed
templates, consent withdrawal and erasure that take effect on the next decision."""

from __future__ import annotations

from typing import Any

import httpx
import numpy as np
import pytest

from sitewarden.demo import face_samples
from sitewarden.events.device_kinds import DeviceKind
from sitewarden.vision.faces import FaceEngine
from tests.conftest import LiveServer, device_client
from tests.test_access_decisions import AccessSite, events_of

pytestmark = [pytest.mark.slow, pytest.mark.both_backends]


def jpeg_frame(name: str, **augment: Any) -> bytes:
    face = face_samples.augment(face_samples.portrait(name), face_samples.Augmentation(**augment))
    return face_samples.encode(face_samples.in_frame(face, (640, 480), face_height=460))


def photo(name: str, **augment: Any) -> tuple[str, tuple[str, bytes, str]]:
    face = face_samples.augment(face_samples.portrait(name), face_samples.Augmentation(**augment))
    return ("photos", (f"{name}.jpg", face_samples.encode(face), "image/jpeg"))


class FaceSite(AccessSite):
    def consent(self, person_id: str) -> str:
        with self.server.client() as admin:
            answer = admin.post(
                f"/api/v1/sites/{self.site}/consents",
                json={"subject_id": f"p-{person_id}", "purpose": "access", "method": "written"},
            )
        assert answer.status_code == 201, answer.text
        return str(answer.json()["consent_id"])

    def enrol(self, person_id: str, photos: list[Any]) -> httpx.Response:
        return self.admin("POST", f"/people/{person_id}/faces", files=photos)

    def face(
        self, frame: bytes, reader: str = "gate", content_type: str = "image/jpeg"
    ) -> dict[str, Any]:
        with device_client(self.server, self.readers[reader]) as device:
            answer = device.post(
                f"/api/v1/readers/{reader}/decide",
                content=frame,
                headers={"content-type": content_type},
            )
        assert answer.status_code == 200, answer.text
        return dict(answer.json())

    def templates(self, person_id: str) -> int:
        return int(self.admin("GET", f"/people/{person_id}").json()["face_templates"])


@pytest.fixture(scope="module")
def enrolled(shared_server: LiveServer) -> tuple[FaceSite, str]:
    site = FaceSite(shared_server, "fc-main")
    site.rule("residents", "resident")
    person = site.person("Grace Hopper")
    site.consent(person["person_id"])
    answer = site.enrol(person["person_id"], [photo("hopper"), photo("hopper", light=0.7)])
    assert answer.status_code == 201, answer.text
    assert answer.json()["templates"] == 2
    return site, person["person_id"]


def test_enrolment_without_consent_is_refused_and_stores_nothing(
    shared_server: LiveServer,
) -> None:
    site = FaceSite(shared_server, "fc-noconsent")
    person = site.person("Eileen Collins")
    answer = site.enrol(person["person_id"], [photo("astronaut")])
    assert answer.status_code == 403
    assert "consent" in answer.json()["message"]
    assert site.templates(person["person_id"]) == 0


def test_enrolled_face_is_granted_and_another_face_is_not_enrolled(
    enrolled: tuple[FaceSite, str],
) -> None:
    site, person_id = enrolled
    granted = site.face(jpeg_frame("hopper", rotation=5))
    assert granted["granted"] is True and granted["credential"] == "face"
    assert granted["faces"] == 1 and granted["distance"] < 0.5
    assert granted["person_ref"] == "***" + person_id[-4:]
    stranger = site.face(jpeg_frame("astronaut"))
    assert stranger["granted"] is False and stranger["reason"] == "not_enrolled"
    assert stranger["person_ref"] is None


def test_a_frame_without_a_face_is_denied_no_clear_face(enrolled: tuple[FaceSite, str]) -> None:
    site, _ = enrolled
    blank = face_samples.encode(
        face_samples.in_frame(face_samples.portrait("hopper"), face_height=40)
    )
    answer = site.face(blank)
    assert answer["granted"] is False and answer["reason"] == "no_clear_face"


def test_several_faces_decide_on_the_largest_and_say_so(enrolled: tuple[FaceSite, str]) -> None:
    site, _ = enrolled
    frame = face_samples.in_frame(face_samples.portrait("hopper"), (1000, 600), 560, at=(10, 20))
    small = face_samples.in_frame(face_samples.portrait("astronaut"), (500, 500), 500)
    frame.paste(small, (500, 50))
    answer = site.face(face_samples.encode(frame))
    assert answer["faces"] >= 2 and "largest" in answer["note"]
    assert answer["granted"] is True


def test_templates_are_sealed_at_rest(enrolled: tuple[FaceSite, str]) -> None:
    site, _ = enrolled
    reading = FaceEngine().read(face_samples.portrait("hopper"))
    assert reading.embedding is not None
    raw = np.asarray(reading.embedding, dtype=np.float32).tobytes()
    stored = site.server.database_bytes()
    assert raw[:16] not in stored and raw[-16:] not in stored


def test_bad_enrolments_are_refused_and_store_nothing(shared_server: LiveServer) -> None:
    site = FaceSite(shared_server, "fc-bad")
    person = site.person("Bad Photos")
    site.consent(person["person_id"])
    pid = person["person_id"]
    blank = (
        "photos",
        (
            "blank.png",
            face_samples.encode(
                face_samples.in_frame(face_samples.portrait("hopper"), face_height=40), "PNG"
            ),
            "image/png",
        ),
    )
    no_face = site.enrol(pid, [blank])
    assert no_face.status_code == 422 and "no clear face" in no_face.json()["message"]
    too_many = site.enrol(pid, [photo("hopper")] * 6)
    assert too_many.status_code in (400, 422)
    two_people = site.enrol(pid, [photo("hopper"), photo("astronaut")])
    assert two_people.status_code == 422 and "same person" in two_people.json()["message"]
    not_image = site.enrol(pid, [("photos", ("x.jpg", b"not an image", "image/jpeg"))])
    assert not_image.status_code == 422
    assert site.templates(pid) == 0


def test_enrolling_a_person_of_another_site_is_not_found(shared_server: LiveServer) -> None:
    first = FaceSite(shared_server, "fc-site-a")
    second = FaceSite(shared_server, "fc-site-b")
    person = first.person("Other Site")
    first.consent(person["person_id"])
    answer = second.enrol(person["person_id"], [photo("hopper")])
    assert answer.status_code == 404


def test_withdrawing_consent_erases_templates_and_the_next_face_is_denied(
    shared_server: LiveServer,
) -> None:
    site = FaceSite(shared_server, "fc-withdraw")
    site.rule("staff", "staff")
    person = site.person("Withdrawn Consent", group="staff")
    consent_id = site.consent(person["person_id"])
    assert site.enrol(person["person_id"], [photo("astronaut")]).status_code == 201
    assert site.face(jpeg_frame("astronaut"))["granted"] is True
    with shared_server.client() as admin:
        withdrawn = admin.post(f"/api/v1/sites/fc-withdraw/consents/{consent_id}/withdraw")
    assert withdrawn.status_code == 200
    assert site.templates(person["person_id"]) == 0
    after = site.face(jpeg_frame("astronaut"))
    assert after["granted"] is False and after["reason"] == "not_enrolled"


def test_erasing_a_person_forgets_their_face_and_shreds_their_events(
    shared_server: LiveServer,
) -> None:
    site = FaceSite(shared_server, "fc-erase")
    site.rule("residents", "resident")
    person = site.person("To Be Erased")
    site.consent(person["person_id"])
    assert site.enrol(person["person_id"], [photo("hopper")]).status_code == 201
    assert site.face(jpeg_frame("hopper"))["granted"] is True
    erased = site.admin("DELETE", f"/people/{person['person_id']}", params={"purpose": "DSAR-9"})
    assert erased.status_code == 204
    assert site.face(jpeg_frame("hopper"))["reason"] == "not_enrolled"
    [granted] = events_of(shared_server, "fc-erase", "access.granted")
    assert granted["personal_state"] == "erased"


def test_a_non_reader_device_cannot_send_faces(shared_server: LiveServer) -> None:
    FaceSite(shared_server, "fc-cam")
    token = shared_server.add_site_with_device("fc-cam", "cam-9", DeviceKind.CAMERA, "lobby")
    with device_client(shared_server, token) as camera:
        answer = camera.post(
            "/api/v1/readers/cam-9/decide",
            content=jpeg_frame("hopper"),
            headers={"content-type": "image/jpeg"},
        )
    assert answer.status_code == 403
