"""Face decisions at access readers: latency over HTTP, matching alone, enrolment, and
the distances between views of one face and of two people.

    python -m bench.faces               # 10,000 templates, 60 decisions, 40 views a face
    python -m bench.faces --quick       # 2,000 templates, 20 decisions, 12 views

Part 0, when the development set of real photos is there (../shared/devsets/faces):
FAR/FRR at the default threshold, the ROC and small faces (``bench/faces_devset.py``).

Part 1 (in this process, pinned to one core): same/different distance distributions
on the two sample portraits (``sitewarden.demo.face_samples``) under random rotation,
light, scale, blur and mirroring, and matching time alone against a gallery of random
unit vectors. Part 2 (a real ``sitewarden serve`` pinned to one core): the site's
gallery holds the enrolled portrait plus random unit vectors sealed under synthetic
people's keys; 640x480 JPEG frames are posted to ``/api/v1/readers/{id}/decide`` one
at a time, half of the enrolled face and half of a stranger; and re-enrolments of
three photos over HTTP give the enrolment throughput.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import httpx
import numpy as np

from bench.common import (
    Figure,
    ServerProcess,
    fresh_settings,
    percentile,
    print_machine,
    print_table,
)
from bench.faces_devset import report_faces
from bench.plate_photos import devsets_folder
from sitewarden.access.gallery import TEMPLATE_FIELD, TEMPLATES_TABLE
from sitewarden.access.records import SealedTemplate, subject_of
from sitewarden.accounts.accounts import create_api_key, require_user
from sitewarden.config import Settings
from sitewarden.demo import face_samples
from sitewarden.events.device_kinds import DeviceKind
from sitewarden.privacy.keyring import KeyRing
from sitewarden.privacy.sealing import binding, seal
from sitewarden.privacy.vault import Vault
from sitewarden.registry import service
from sitewarden.runtime.storage import Storage, open_storage
from sitewarden.runtime.system import build_people
from sitewarden.vision.faces import EMBEDDING_SIZE, FaceEngine, Gallery

THRESHOLD: float = Settings.model_fields["face_match_threshold"].default
TEMPLATES_PER_PERSON = 10


def pin_to_one_core(pid: int = 0) -> None:
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(pid, {min(os.sched_getaffinity(0))})


def random_unit_vectors(count: int, seed: int = 3) -> np.ndarray:
    vectors = np.random.default_rng(seed).normal(size=(count, EMBEDDING_SIZE))
    return (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)


# --- part 1: distances and matching in this process -----------------------------------------
def distances(views: int) -> list[Figure]:
    engine = FaceEngine(min_face_px=40)
    embeddings: dict[str, list[np.ndarray]] = {}
    clean: dict[str, np.ndarray] = {}
    missed = 0
    for name in face_samples.available():
        found = []
        base = face_samples.portrait(name)
        reading = engine.read(base)
        assert reading.embedding is not None and reading.box is not None
        clean[name] = reading.embedding
        print(f"{name}: face {reading.box.width} px wide in a {base.width}x{base.height} portrait")
        for change in face_samples.augmentations(views, seed=len(name)):
            reading = engine.read(face_samples.augment(base, change))
            if reading.embedding is None:
                missed += 1
            else:
                found.append(reading.embedding)
        embeddings[name] = found
    same = [
        float(np.linalg.norm(a - b))
        for views_of_one in embeddings.values()
        for i, a in enumerate(views_of_one)
        for b in views_of_one[i + 1 :]
    ]
    names = list(embeddings)
    different = [
        float(np.linalg.norm(a - b))
        for i, first in enumerate(names)
        for second in names[i + 1 :]
        for a in embeddings[first]
        for b in embeddings[second]
    ]
    false_rejects = sum(d > THRESHOLD for d in same) / max(len(same), 1)
    false_accepts = sum(d <= THRESHOLD for d in different) / max(len(different), 1)
    figures = [
        Figure("portraits x augmented views", len(names) * views, "images"),
        Figure("views without a usable face", missed, ""),
        Figure(
            "same face, view vs view: p5 / p50",
            percentile(same, 0.05),
            f"/ {percentile(same, 0.5):.3f}",
        ),
        Figure(
            "same face, view vs view: p95 / max",
            percentile(same, 0.95),
            f"/ {max(same, default=0):.3f}",
        ),
        Figure(
            "different people: min / p50",
            min(different, default=float("nan")),
            f"/ {percentile(different, 0.5):.3f}",
        ),
        Figure(f"view vs view rejects at {THRESHOLD}", 100 * false_rejects, "%"),
        Figure(f"false accepts at {THRESHOLD} (different pairs)", 100 * false_accepts, "%"),
    ]
    for name in names:
        to_clean = [float(np.linalg.norm(view - clean[name])) for view in embeddings[name]]
        rejects = sum(d > THRESHOLD for d in to_clean) / max(len(to_clean), 1)
        figures.append(
            Figure(
                f"{name}: view vs clean enrolment p50 / p95",
                percentile(to_clean, 0.5),
                f"/ {percentile(to_clean, 0.95):.3f}",
            )
        )
        figures.append(
            Figure(f"{name}: view vs clean enrolment rejects at {THRESHOLD}", 100 * rejects, "%")
        )
    return figures


def matching(templates: int, probes: int = 1000) -> list[Figure]:
    gallery = Gallery(
        [f"p{i // TEMPLATES_PER_PERSON}" for i in range(templates)], random_unit_vectors(templates)
    )
    queries = random_unit_vectors(probes, seed=9)
    times = []
    for query in queries:
        started = time.perf_counter()
        gallery.match(query, THRESHOLD, 0.05)
        times.append((time.perf_counter() - started) * 1000)
    p95 = percentile(times, 0.95)
    return [
        Figure(f"matching alone, {templates:,} templates, p50", percentile(times, 0.5), "ms"),
        Figure(f"matching alone, {templates:,} templates, p95", p95, "ms", "<= 5 ms", p95 <= 5),
    ]


# --- part 2: over HTTP --------------------------------------------------------------------------
def fill_gallery(store: Storage, vault: Vault, site: str, templates: int) -> None:
    """Synthetic people, each with random unit-vector templates sealed under their key."""
    people = build_people(store, vault)
    vectors = random_unit_vectors(templates)
    now = datetime.now(UTC)
    for start in range(0, templates, TEMPLATES_PER_PERSON):
        person = people.enrol(site, name=f"Synthetic {start}", group="resident", actor="bench")
        key = vault.data_key_for(site, subject_of(person.person_id))
        sealed = []
        for number, vector in enumerate(vectors[start : start + TEMPLATES_PER_PERSON]):
            template_id = f"f-bench-{start + number}"
            aad = binding(TEMPLATES_TABLE, template_id, TEMPLATE_FIELD)
            sealed.append(
                SealedTemplate(
                    site, template_id, person.person_id, seal(key, vector.tobytes(), aad), now
                )
            )
        people.access.replace_face_templates(site, person.person_id, sealed)


def frame(name: str, change: face_samples.Augmentation) -> bytes:
    face = face_samples.augment(face_samples.portrait(name), change)
    return face_samples.encode(face_samples.in_frame(face, (640, 480), face_height=440))


def photo(name: str, change: face_samples.Augmentation) -> tuple[str, tuple[str, bytes, str]]:
    return (
        "photos",
        (
            f"{name}.jpg",
            face_samples.encode(face_samples.augment(face_samples.portrait(name), change)),
            "image/jpeg",
        ),
    )


def over_http(root: Path, templates: int, decisions: int, enrolments: int) -> list[Figure]:
    settings = fresh_settings(root)
    store = open_storage(settings)
    try:
        service.create_site(store.registry, "bench", "Bench campus", "Asia/Shanghai", 1000, 700)
        service.create_zone(store.registry, "bench", "lobby", "Lobby", None)
        _, reader = service.create_device(
            store.registry, "bench", "gate", DeviceKind.ACCESS_READER, zone_id="lobby"
        )
        _, key = create_api_key(store.accounts, require_user(store.accounts, "admin"), "bench")
        started = time.perf_counter()
        fill_gallery(
            store, Vault(store.privacy, KeyRing.load(settings.key_path)), "bench", templates
        )
        fill_s = time.perf_counter() - started
    finally:
        store.close()
    print(f"gallery of {templates:,} random templates sealed and stored in {fill_s:.1f} s")
    server = ServerProcess(settings, root / "server.log")
    server.start()
    try:
        pin_to_one_core(server.pid)
        admin = httpx.Client(
            base_url=server.url, timeout=60, headers={"Authorization": f"Bearer {key}"}
        )
        device = httpx.Client(
            base_url=server.url, timeout=60, headers={"Authorization": f"Bearer {reader}"}
        )
        admin.put(
            "/api/v1/access/sites/bench/rules/all",
            json={
                "group": "resident",
                "windows": [{"days": [0, 1, 2, 3, 4, 5, 6], "start": "00:00", "end": "24:00"}],
            },
        ).raise_for_status()
        person = admin.post(
            "/api/v1/access/sites/bench/people", json={"name": "Grace Hopper", "group": "resident"}
        ).json()
        pid = person["person_id"]
        admin.post(
            "/api/v1/sites/bench/consents",
            json={"subject_id": f"p-{pid}", "purpose": "access", "method": "written"},
        ).raise_for_status()
        views = [
            face_samples.Augmentation(),
            face_samples.Augmentation(light=0.8),
            face_samples.Augmentation(rotation=5),
        ]
        enrol_s = []
        for _ in range(enrolments):
            started = time.perf_counter()
            admin.post(
                f"/api/v1/access/sites/bench/people/{pid}/faces",
                files=[photo("hopper", v) for v in views],
            ).raise_for_status()
            enrol_s.append(time.perf_counter() - started)
        header = {"Content-Type": "image/jpeg"}
        device.post(
            "/api/v1/readers/gate/decide", content=frame("hopper", views[0]), headers=header
        ).raise_for_status()
        latencies: list[float] = []
        server_ms: list[float] = []
        right = 0
        changes = list(face_samples.augmentations(decisions, seed=21))
        for index, change in enumerate(changes):
            name = "hopper" if index % 2 == 0 else "astronaut"
            body = frame(name, change)
            started = time.perf_counter()
            answer = device.post("/api/v1/readers/gate/decide", content=body, headers=header)
            latencies.append((time.perf_counter() - started) * 1000)
            answer.raise_for_status()
            decided = answer.json()
            server_ms.append(decided["elapsed_ms"] or 0.0)
            right += decided["granted"] == (name == "hopper")
    finally:
        server.stop()
    p95 = percentile(latencies, 0.95)
    photos_s = 3 * len(enrol_s) / sum(enrol_s)
    return [
        Figure(
            f"decision over HTTP, 640x480, {templates:,} templates, p50",
            percentile(latencies, 0.5),
            "ms",
        ),
        Figure("decision over HTTP p95 (server on one core)", p95, "ms", "<= 400 ms", p95 <= 400),
        Figure("  of which face reading + match + event, p50", percentile(server_ms, 0.5), "ms"),
        Figure("decisions right (granted iff enrolled face)", 100 * right / len(latencies), "%"),
        Figure("enrolment over HTTP (3 photos a request)", photos_s, "photos/s"),
    ]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.faces", description=__doc__)
    parser.add_argument("--templates", type=int, default=10_000)
    parser.add_argument("--decisions", type=int, default=60)
    parser.add_argument("--views", type=int, default=40, help="augmented views of each portrait")
    parser.add_argument("--enrolments", type=int, default=5)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--devsets", type=Path, default=None, help="the devsets folder")
    args = parser.parse_args(argv)
    if args.quick:
        args.templates, args.decisions, args.views, args.enrolments = 2_000, 20, 12, 2
    if len(face_samples.available()) < 2:
        print("the sample portraits need scikit-image and matplotlib: pip install -e '.[test]'")
        return 1
    print_machine()
    print(f"load average before: {os.getloadavg()[0]:.2f}")
    pin_to_one_core()
    devset = (args.devsets or devsets_folder()) / "faces"
    if (devset / "manifest.csv").is_file():
        print_table("Faces on real photos (development set)", report_faces(devset))
    else:
        print(f"no development set at {devset}: the real-photo figures are left out")
    print_table(
        "Distances between face embeddings (dlib ResNet, 5-point alignment)", distances(args.views)
    )
    print_table("Matching", matching(args.templates))
    with tempfile.TemporaryDirectory(prefix="sitewarden-bench-faces-") as folder:
        figures = over_http(Path(folder), args.templates, args.decisions, args.enrolments)
    print_table("Reader decisions over HTTP", figures)
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
