"""Exposure probes for the stores people put next to systems like this one.

``sitewarden doctor --probe URL`` asks exactly the URL given — never a range — whether
it answers without credentials, the way the strangers who found the leaked databases
asked. Schemes: http(s) (Elasticsearch/OpenSearch), postgresql, redis, mongodb, mqtt.
"""

from __future__ import annotations

import socket
import struct
from collections.abc import Callable
from urllib.parse import SplitResult, urlsplit, urlunsplit

import httpx

from sitewarden.doctor.findings import Finding, Level

TIMEOUT_S = 5.0


def shown(url: str) -> str:
    """The URL as the doctor may print it: any user name and password replaced by ***."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    netloc = "***@" + parts.netloc.rpartition("@")[2]
    return urlunsplit(SplitResult(parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def _without_credentials(text: str, parts: SplitResult) -> str:
    """``text`` (an error message) with the URL's user name and password taken out."""
    for secret in (parts.password, parts.username):
        if secret and (secret == parts.password or len(secret) > 2):  # not every "a" of it
            text = text.replace(secret, "***")
    return text


def probe(url: str) -> list[Finding]:
    """Findings about ``url``; no output names the user or password the URL carries."""
    parts = urlsplit(url)
    try:
        parts.port  # noqa: B018 - a port that is not a number raises here, not mid-probe
    except ValueError:
        parts = parts._replace(netloc="")
    probes: dict[str, Callable[[SplitResult], list[Finding]]] = {
        "http": probe_search_engine,
        "https": probe_search_engine,
        "postgres": probe_postgres,
        "postgresql": probe_postgres,
        "redis": probe_redis,
        "mongodb": probe_mongodb,
        "mqtt": probe_mqtt,
    }
    handler = probes.get(parts.scheme)
    if handler is None or not parts.hostname:
        return [
            Finding(
                f"probe {shown(url)}",
                Level.MAJOR,
                "cannot probe this URL",
                f"use one of: {', '.join(sorted(probes))}://host[:port]",
            )
        ]
    try:
        return handler(parts)
    except (OSError, httpx.HTTPError) as exc:
        return [
            Finding(
                f"probe {shown(url)}",
                Level.INFO,
                f"no answer ({exc.__class__.__name__}: {_without_credentials(str(exc), parts)})",
                "nothing to fix if it should not be reachable from here",
            )
        ]


def _name(parts: SplitResult) -> str:
    return f"probe {parts.scheme}://{parts.hostname}:{parts.port or ''}".rstrip(":")


def probe_search_engine(parts: SplitResult) -> list[Finding]:
    """Elasticsearch/OpenSearch: do / and /_cat/indices answer without credentials?
    (Credentials in the URL are left out: the question is what a stranger gets.)"""
    host = f"[{parts.hostname}]" if ":" in (parts.hostname or "") else parts.hostname
    base = f"{parts.scheme}://{host}" + (f":{parts.port}" if parts.port else "")
    findings = []
    with httpx.Client(timeout=TIMEOUT_S, verify=False, trust_env=False) as client:
        for path in ("/", "/_cat/indices?format=json"):
            answer = client.get(base + path)
            if answer.status_code == 200:
                findings.append(
                    Finding(
                        _name(parts),
                        Level.CRITICAL,
                        f"{path} answers without credentials ({len(answer.content)} bytes)",
                        "enable security (xpack.security / the security plugin) "
                        "and bind it to a private address",
                    )
                )
            elif answer.status_code in (401, 403):
                findings.append(Finding(_name(parts), Level.OK, f"{path} requires credentials"))
            else:
                findings.append(
                    Finding(_name(parts), Level.INFO, f"{path} answered HTTP {answer.status_code}")
                )
    return findings


def _connect(parts: SplitResult, default_port: int) -> socket.socket:
    return socket.create_connection((parts.hostname, parts.port or default_port), TIMEOUT_S)


def _recv_exact(sock: socket.socket, count: int) -> bytes:
    data = b""
    while len(data) < count:
        chunk = sock.recv(count - len(data))
        if not chunk:
            raise ConnectionError("connection closed")
        data += chunk
    return data


def probe_postgres(parts: SplitResult) -> list[Finding]:
    """Does the server offer TLS, and which authentication does it ask for?"""
    findings = []
    with _connect(parts, 5432) as sock:
        sock.sendall(struct.pack("!II", 8, 80877103))  # SSLRequest
        if _recv_exact(sock, 1) != b"S":
            findings.append(
                Finding(
                    _name(parts),
                    Level.MAJOR,
                    "does not offer TLS",
                    "set ssl = on with a certificate in postgresql.conf",
                )
            )
    user = parts.username or "postgres"
    who = "the URL's user" if parts.username else "'postgres'"  # never print a URL's user
    database = parts.path.lstrip("/") or "postgres"
    with _connect(parts, 5432) as sock:
        params = f"user\0{user}\0database\0{database}\0\0".encode()
        sock.sendall(struct.pack("!II", 8 + len(params), 196608) + params)
        kind = _recv_exact(sock, 1)
        length = struct.unpack("!I", _recv_exact(sock, 4))[0]
        payload = _recv_exact(sock, length - 4)
    if kind == b"R":
        method = struct.unpack("!I", payload[:4])[0]
        if method == 0:
            findings.append(
                Finding(
                    _name(parts),
                    Level.CRITICAL,
                    f"lets {who} in without a password (trust)",
                    "use scram-sha-256 in pg_hba.conf for every entry",
                )
            )
        elif method == 3:
            findings.append(
                Finding(
                    _name(parts),
                    Level.MAJOR,
                    "asks for a cleartext password",
                    "use scram-sha-256 in pg_hba.conf",
                )
            )
        elif method == 5:
            findings.append(
                Finding(
                    _name(parts),
                    Level.MINOR,
                    "uses md5 password authentication",
                    "use scram-sha-256 in pg_hba.conf",
                )
            )
        else:
            findings.append(
                Finding(_name(parts), Level.OK, "requires a password (SCRAM or better)")
            )
    else:
        findings.append(Finding(_name(parts), Level.OK, "refused an anonymous start-up"))
    return findings


def probe_redis(parts: SplitResult) -> list[Finding]:
    with _connect(parts, 6379) as sock:
        sock.sendall(b"*1\r\n$4\r\nPING\r\n")
        reply = sock.recv(256)
    if reply.startswith(b"+PONG"):
        return [
            Finding(
                _name(parts),
                Level.CRITICAL,
                "answers commands without a password",
                "set requirepass (or ACL users) and bind to a private address",
            )
        ]
    return [Finding(_name(parts), Level.OK, "requires authentication")]


def _bson(fields: dict[str, object]) -> bytes:
    body = b""
    for key, value in fields.items():
        name = key.encode() + b"\0"
        if isinstance(value, int):
            body += b"\x10" + name + struct.pack("<i", value)
        else:
            text = str(value).encode() + b"\0"
            body += b"\x02" + name + struct.pack("<i", len(text)) + text
    return struct.pack("<i", len(body) + 5) + body + b"\0"


def _bson_ok(document: bytes) -> float | None:
    """The top-level ``ok`` field of a BSON document (numbers only)."""
    position = 4
    while position < len(document) - 1:
        kind = document[position]
        end = document.index(b"\0", position + 1)
        name = document[position + 1 : end].decode()
        position = end + 1
        sizes = {0x01: 8, 0x08: 1, 0x10: 4, 0x12: 8, 0x09: 8, 0x11: 8}
        if kind in (0x01, 0x10, 0x12) and name == "ok":
            if kind == 0x01:
                return float(struct.unpack("<d", document[position : position + 8])[0])
            return float(
                int.from_bytes(document[position : position + sizes[kind]], "little", signed=True)
            )
        if kind in sizes:
            position += sizes[kind]
        elif kind in (0x02, 0x0D, 0x0E):
            position += 4 + struct.unpack("<i", document[position : position + 4])[0]
        elif kind in (0x03, 0x04):
            position += struct.unpack("<i", document[position : position + 4])[0]
        elif kind == 0x0A:
            continue
        else:
            return None
    return None


def probe_mongodb(parts: SplitResult) -> list[Finding]:
    """Does ``listDatabases`` succeed without authentication (OP_MSG, MongoDB 3.6+)?"""
    document = _bson({"listDatabases": 1, "$db": "admin"})
    message = struct.pack("<I", 0) + b"\x00" + document  # flags, section kind 0
    header = struct.pack("<iiii", 16 + len(message), 1, 0, 2013)
    with _connect(parts, 27017) as sock:
        sock.sendall(header + message)
        length = struct.unpack("<i", _recv_exact(sock, 4))[0]
        reply = _recv_exact(sock, length - 4)
    ok = _bson_ok(reply[12 + 4 + 1 :])  # after the rest of the header, flags, kind byte
    if ok == 1.0:
        return [
            Finding(
                _name(parts),
                Level.CRITICAL,
                "lists its databases without credentials",
                "enable authorization (security.authorization: enabled)",
            )
        ]
    return [Finding(_name(parts), Level.OK, "refused listDatabases without credentials")]


def probe_mqtt(parts: SplitResult) -> list[Finding]:
    """Does the broker accept a CONNECT with no username (MQTT 3.1.1)?"""
    client_id = b"sitewarden-doctor"
    variable = b"\x00\x04MQTT\x04\x02\x00\x1e"  # protocol, level 4, clean session, keep-alive
    payload = struct.pack("!H", len(client_id)) + client_id
    packet = b"\x10" + bytes([len(variable) + len(payload)]) + variable + payload
    with _connect(parts, 1883) as sock:
        sock.sendall(packet)
        reply = _recv_exact(sock, 4)
        sock.sendall(b"\xe0\x00")  # DISCONNECT
    if reply[0] == 0x20 and reply[3] == 0:
        return [
            Finding(
                _name(parts),
                Level.CRITICAL,
                "accepts anonymous clients",
                "allow_anonymous false, with a password file and an ACL",
            )
        ]
    return [Finding(_name(parts), Level.OK, f"refused an anonymous client (code {reply[3]})")]
