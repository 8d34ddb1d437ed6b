"""Serving beyond loopback needs TLS; with TLS configured the server speaks HTTPS only."""

from __future__ import annotations

import datetime as dt
import ipaddress
import ssl
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from sitewarden.config import load_settings
from sitewarden.initialise import initialise
from tests.conftest import free_port

# 127.0.0.2 is loopback to the kernel but not to sitewarden's "loopback only" rule,
# so it stands in for a real network address without leaving this machine.
ADDRESS = "127.0.0.2"


def self_signed(folder: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, ADDRESS)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(ADDRESS))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    key_path.chmod(0o600)
    return cert_path, key_path


@pytest.mark.slow
def test_non_loopback_address_serves_https_with_hsts(tmp_path: Path) -> None:
    settings = load_settings(tmp_path / "data")
    initialise(settings)
    cert, key = self_signed(tmp_path)
    port = free_port()
    base = [
        sys.executable,
        "-m",
        "sitewarden.cli",
        "serve",
        "--data-dir",
        str(settings.data_dir),
        "--host",
        ADDRESS,
        "--port",
        str(port),
    ]
    refused = subprocess.run(base, capture_output=True, text=True, timeout=60)
    assert refused.returncode == 1 and "without TLS" in refused.stderr

    server = subprocess.Popen(
        [*base, "--tls-cert", str(cert), "--tls-key", str(key)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        context = ssl.create_default_context(cafile=str(cert))
        response = None
        for _ in range(100):
            try:
                response = httpx.get(f"https://{ADDRESS}:{port}/healthz", verify=context, timeout=2)
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        assert response is not None and response.status_code == 200
        assert response.headers["strict-transport-security"].startswith("max-age=")
        with pytest.raises(httpx.HTTPError):
            httpx.get(f"http://{ADDRESS}:{port}/healthz", timeout=2)
    finally:
        server.terminate()
        server.wait(timeout=30)
