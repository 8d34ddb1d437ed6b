"""Plate reading and gate decisions: exact-read rate, read latency, decision latency.

    python -m bench.plates [--count 500] [--http 60] [--quick] [--bursts]

Renders a reproducible set of plates (Chinese blue, green new-energy and yellow, UK and
French) with Pillow and the Noto CJK fonts, each in a 1280x720 frame with varied
distortions (perspective, rotation, blur, noise, night, scale). Part 1 reads every
frame in this process on one core (PP-OCR from rapidocr-onnxruntime, one thread) and
counts exact reads and the frames the reader's quick look settled. Part 2 starts a
real ``sitewarden serve`` and times gate decisions end to end over HTTP: frames (read +
decide, and the server's own reading time) and text reads from smart cameras.

Part 3 reads the real-photo development set in ../shared/devsets/plates (see
``bench/plate_photos.py``): exact reads, wrong plates accepted, reads sent to review, per
plate colour and for the tuning and checking halves, and latency. ``--bursts`` adds
part 4, the same photos as bursts of three frames, read alone and voting
(``bench/plate_bursts.py``; about four minutes more).

Targets (issue 5): exact reads >= 97%, median read <= 300 ms, decision p95 <= 500 ms.
Targets (issue 22, real photos): exact >= 97%, wrong plate accepted <= 0.5%.
"""

from __future__ import annotations

import argparse
import os
import random
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx

from bench.common import (
    Figure,
    ServerProcess,
    fresh_settings,
    percentile,
    print_machine,
    print_table,
)
from bench.plate_bursts import report_bursts
from bench.plate_photos import devsets_folder, report_photos
from sitewarden.accounts.accounts import create_api_key, require_user
from sitewarden.demo.garage_frames import Distortion, available_fonts, encode_jpeg, gate_frame
from sitewarden.events.device_kinds import DeviceKind
from sitewarden.registry import service
from sitewarden.runtime.storage import open_storage
from sitewarden.vision.images import GATE_FRAME, decode_image
from sitewarden.vision.plate_formats import BUILT_IN, CLASSES, resolve_formats
from sitewarden.vision.plates import PlateReader

# (format, style) in equal shares; "yellow two-row": a lorry's or bus's plate
KINDS = (
    ("cn", "blue"),
    ("cn_ne", "green"),
    ("cn", "yellow"),
    ("uk", "white"),
    ("fr", "white"),
    ("cn", "yellow two-row"),
)


@dataclass(frozen=True)
class Sample:
    text: str  # as printed, e.g. 浙A·12345
    compact: str
    style: str
    font: Path
    distortion: Distortion
    seed: int


def make_samples(count: int, seed: int = 5) -> list[Sample]:
    """The same ``count`` plates and distortions on every run."""
    rng = random.Random(seed)
    fonts = available_fonts()
    if not fonts:
        raise SystemExit("fonts-noto-cjk is missing: run scripts/apt-install fonts-noto-cjk")
    samples = []
    for index in range(count):
        name, style = KINDS[index % len(KINDS)]
        fmt = BUILT_IN[name]
        compact = "".join(rng.choice(allowed) for allowed in fmt.classes)
        if name == "cn" and style.startswith("yellow"):
            compact = compact[:2] + "".join(rng.choice(CLASSES["D"]) for _ in range(5))
        distortion = Distortion(
            angle=rng.uniform(-5, 5),
            skew=rng.choice([0.0, 0.0, rng.uniform(0.02, 0.1)]),
            blur=rng.choice([0.0, 0.0, rng.uniform(0.5, 1.8)]),
            noise=rng.choice([0.0, rng.uniform(4, 14)]),
            night=rng.random() < 0.2,
            scale=rng.uniform(0.65, 1.1),
            rows=2 if style.endswith("two-row") else 1,
        )
        samples.append(
            Sample(
                fmt.display(compact),
                compact,
                style,
                fonts[index % len(fonts)],
                distortion,
                seed * 1000 + index,
            )
        )
    return samples


def frame_bytes(sample: Sample) -> bytes:
    return encode_jpeg(
        gate_frame(
            sample.text, sample.style.split()[0], sample.font, sample.distortion, sample.seed
        )
    )


def read_offline(samples: Sequence[Sample]) -> tuple[list[Figure], list[str]]:
    """Read every frame in-process on one core; exact-read rate and latency per frame."""
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    reader = PlateReader(threads=1)
    formats = resolve_formats(list(BUILT_IN))
    reader.read_plate(
        decode_image(frame_bytes(samples[0]), "image/jpeg", GATE_FRAME), formats
    )  # load
    latencies: list[float] = []
    misses: list[str] = []
    quick = wrong = review = 0
    exact_by_style: dict[str, list[bool]] = {}
    for sample in samples:
        body = frame_bytes(sample)
        started = time.perf_counter()
        reading = reader.read_plate(decode_image(body, "image/jpeg", GATE_FRAME), formats)
        latencies.append((time.perf_counter() - started) * 1000)
        quick += reading.looks == 1
        got = reading.plate.match.compact if reading.plate else None
        sure = got is not None and reading.doubt is None  # what a gate acts on
        wrong += sure and got != sample.compact
        review += got is not None and not sure
        exact_by_style.setdefault(sample.style, []).append(sure and got == sample.compact)
        if not sure or got != sample.compact:
            why = reading.doubt or reading.reason
            misses.append(f"{sample.text} ({sample.style}) -> {got} {why or ''}")
    exact = 100 * (len(samples) - len(misses)) / len(samples)
    median, p95 = percentile(latencies, 0.5), percentile(latencies, 0.95)
    green = exact_by_style.get("green", [])
    green_exact = 100 * sum(green) / max(len(green), 1)
    return [
        Figure("exact reads (accepted and right)", exact, "%", ">= 97%", exact >= 97),
        Figure("wrong plate accepted", 100 * wrong / len(samples), "%", "<= 0.5%", wrong == 0),
        Figure("sent to review (read, not sure)", 100 * review / len(samples), "%"),
        *(
            Figure(f"exact reads, {style}", 100 * sum(hits) / len(hits), "%")
            for style, hits in sorted(exact_by_style.items())
            if style != "green"
        ),
        Figure("exact reads, green", green_exact, "%", ">= 95%", green_exact >= 95),
        Figure("read latency p50 (decode + OCR, 1 core)", median, "ms", "<= 300 ms", median <= 300),
        Figure("read latency p95 (1 core)", p95, "ms"),
        Figure("read latency max (1 core)", max(latencies), "ms"),
        Figure("frames settled by the quick look", 100 * quick / len(samples), "%"),
    ], misses


def decide_over_http(samples: Sequence[Sample], root: Path) -> list[Figure]:
    settings = fresh_settings(root)
    store = open_storage(settings)
    try:
        service.create_site(store.registry, "bench", "Bench garage", "Asia/Shanghai", 1000, 700)
        service.create_zone(store.registry, "bench", "garage", "Garage", None)
        _, entry = service.create_device(
            store.registry, "bench", "in", DeviceKind.PLATE_CAMERA, zone_id="garage"
        )
        _, exit_ = service.create_device(
            store.registry, "bench", "out", DeviceKind.PLATE_CAMERA, zone_id="garage"
        )
        _, key = create_api_key(store.accounts, require_user(store.accounts, "admin"), "bench")
    finally:
        store.close()
    server = ServerProcess(settings, root / "server.log")
    server.start()
    try:
        admin = httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {key}"})
        for lane, direction in (("in", "entry"), ("out", "exit")):
            admin.put(f"/api/v1/parking/sites/bench/lanes/{lane}", json={"direction": direction})
        admin.put(
            "/api/v1/parking/sites/bench/plate-settings",
            json={"formats": list(BUILT_IN), "review_below": 0.5},
        )
        admin.put(
            "/api/v1/parking/sites/bench/garages/garage/tariff",
            json={"currency": "CNY", "hourly_minor": 500},
        )
        cameras = {
            token: httpx.Client(
                base_url=server.url, timeout=60, headers={"Authorization": f"Bearer {token}"}
            )
            for token in (entry, exit_)
        }
        warm_up = frame_bytes(samples[0])  # the server loads the model on its first frame
        cameras[entry].post(
            "/api/v1/gates/in/frames", content=warm_up, headers={"Content-Type": "image/jpeg"}
        )
        frames_ms: list[float] = []
        reading_ms: list[float] = []  # the server's own reading time within each frame
        reads_ms: list[float] = []
        for index, sample in enumerate(samples):
            body = frame_bytes(sample)
            camera = cameras[entry if index % 2 == 0 else exit_]
            lane = "in" if index % 2 == 0 else "out"
            started = time.perf_counter()
            answer = camera.post(
                f"/api/v1/gates/{lane}/frames", content=body, headers={"Content-Type": "image/jpeg"}
            )
            frames_ms.append((time.perf_counter() - started) * 1000)
            answer.raise_for_status()
            reading_ms.append(float(answer.json()["read_ms"]))
            started = time.perf_counter()
            camera.post(f"/api/v1/gates/{lane}/reads", json={"plate": sample.text})
            reads_ms.append((time.perf_counter() - started) * 1000)
    finally:
        server.stop()
    p95_frames = percentile(frames_ms, 0.95)
    return [
        Figure("frame decision p50 (HTTP, read + decide)", percentile(frames_ms, 0.5), "ms"),
        Figure("frame decision p95", p95_frames, "ms", "<= 500 ms", p95_frames <= 500),
        Figure("of which plate reading p50", percentile(reading_ms, 0.5), "ms"),
        Figure("of which plate reading p95", percentile(reading_ms, 0.95), "ms"),
        Figure("text read decision p50 (HTTP)", percentile(reads_ms, 0.5), "ms"),
        Figure("text read decision p95", percentile(reads_ms, 0.95), "ms"),
    ]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.plates", description=__doc__)
    parser.add_argument("--count", type=int, default=500, help="plates read offline")
    parser.add_argument("--http", type=int, default=60, help="frames posted over HTTP")
    parser.add_argument("--quick", action="store_true", help="50 plates, 10 over HTTP")
    parser.add_argument(
        "--bursts", action="store_true", help="also read the photos as bursts of three frames"
    )
    args = parser.parse_args(argv)
    count, over_http = (50, 10) if args.quick else (args.count, args.http)
    print_machine()
    samples = make_samples(count)
    offline, misses = read_offline(samples)
    print_table(f"Plate reading, {count} rendered frames of 1280x720", offline)
    for miss in misses[:20]:
        print(f"  missed: {miss}")
    with tempfile.TemporaryDirectory(prefix="sitewarden-bench-plates-") as folder:
        online = decide_over_http(make_samples(over_http, seed=11), Path(folder))
    print_table(f"Gate decisions over HTTP, {over_http} frames and reads", online)
    photos = report_photos(devsets_folder())
    if args.bursts:
        photos += report_bursts(devsets_folder())
    return 0 if all(f.met is not False for f in offline + online + photos) else 1


if __name__ == "__main__":
    raise SystemExit(main())
