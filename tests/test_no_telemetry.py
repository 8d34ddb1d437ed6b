"""A privacy product sends nothing anywhere and leaves no third-party identifiers behind:
a real server reads a plate and a face and blurs a snapshot with a fresh, empty home
and temporary folder, and writes nothing outside its data folder. (onnxruntime's
telemetry wrote ``~/.cache/Microsoft/DeveloperTools/.onnxruntime/deviceid`` and an event
database there; ``vision/ocr.py: silence_runtime`` turns it off before it loads.)"""

from __future__ import annotations

from pathlib import Path

import pytest

from sitewarden.demo import face_samples
from sitewarden.demo.garage_frames import available_fonts, encode_jpeg, gate_frame
from sitewarden.events.device_kinds import DeviceKind
from tests.conftest import device_client, prepared_server

pytestmark = pytest.mark.slow


def written_under(folder: Path) -> list[str]:
    return sorted(str(path.relative_to(folder)) for path in folder.rglob("*"))


def test_reading_plates_and_faces_writes_nothing_outside_the_data_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home, temp = tmp_path / "home", tmp_path / "tmp"
    home.mkdir()
    temp.mkdir()
    for name in ("XDG_CACHE_HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "ORT_DISABLE_TELEMETRY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("TMPDIR", str(temp))
    server = prepared_server(tmp_path / "server")
    lane = server.add_site_with_device("nt-site", "lane-1", DeviceKind.PLATE_CAMERA, "garage")
    reader = server.add_site_with_device("nt-site", "door", DeviceKind.ACCESS_READER, "lobby")
    camera = server.add_site_with_device("nt-site", "cam", DeviceKind.CAMERA, "lobby")
    face = face_samples.in_frame(face_samples.portrait("hopper"), (640, 480), face_height=400)
    fonts = available_fonts()
    plate = gate_frame("浙A·12345", "blue", fonts[0]) if fonts else face
    server.start()
    try:
        with server.client() as admin:
            admin.put(
                "/api/v1/parking/sites/nt-site/lanes/lane-1", json={"direction": "entry"}
            ).raise_for_status()
        with device_client(server, lane) as device:
            read = device.post(
                "/api/v1/gates/lane-1/frames",
                content=encode_jpeg(plate),
                headers={"content-type": "image/jpeg"},
            )
        assert read.status_code == 200, read.text
        with device_client(server, reader) as device:
            decided = device.post(
                "/api/v1/readers/door/decide",
                content=face_samples.encode(face),
                headers={"content-type": "image/jpeg"},
            )
        assert decided.status_code == 200 and decided.json()["faces"] == 1, decided.text
        with device_client(server, camera) as device:
            snapshot = device.post(
                "/api/v1/cameras/cam/snapshots",
                content=face_samples.encode(face),
                headers={"content-type": "image/jpeg"},
            )
        assert snapshot.status_code == 201, snapshot.text
    finally:
        server.stop()
    assert written_under(home) == []
    assert written_under(temp) == []
