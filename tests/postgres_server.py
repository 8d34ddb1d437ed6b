"""A real PostgreSQL server from Debian's binaries, on a free loopback port in a
temporary folder, with a password (scram-sha-256). Used by the test fixtures and by
``bench/postgres.py``.

We run as root in CI, and PostgreSQL refuses to: the server then runs as the
``postgres`` user (``runuser``), which owns its folder.
"""

from __future__ import annotations

import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg

from sitewarden.runtime.storage import Storage

TEMPLATE = "sitewarden_template"
# Fast and throw-away: nothing survives a crash of a test cluster, which is fine.
FAST = ("fsync=off", "synchronous_commit=off", "full_page_writes=off")


def postgres_binary(name: str) -> Path | None:
    found = shutil.which(name)
    if found:
        return Path(found)
    return next(iter(sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), reverse=True)), None)


def readable_backup(path: Path) -> bytes:
    """What a backup holds, readable: a SQLite copy as it is; pg_dump's custom format
    (compressed) as the SQL that pg_restore makes of it."""
    content = path.read_bytes()
    if not content.startswith(b"PGDMP"):
        return content
    restore = [str(postgres_binary("pg_restore")), "-f", "-", str(path)]
    return subprocess.run(restore, check=True, capture_output=True).stdout


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class PostgresServer:
    folder: Path
    port: int
    password: str
    process: subprocess.Popen[bytes]
    command: list[str]
    _databases: int = field(default=0)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres:{self.password}@127.0.0.1:{self.port}/{database}"

    def execute(self, sql: str) -> None:
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(sql)  # type: ignore[arg-type]

    def prepare_template(self) -> None:
        """A migrated database that ``fresh_database`` copies (much faster than migrating)."""
        self.execute(f"CREATE DATABASE {TEMPLATE}")
        Storage.postgres(self.url(TEMPLATE)).close()

    def fresh_database(self) -> str:
        """URL of a new, migrated, empty database."""
        self._databases += 1
        name = f"t{os.getpid()}_{self._databases}_{secrets.token_hex(3)}"
        self.execute(f"CREATE DATABASE {name} TEMPLATE {TEMPLATE} STRATEGY FILE_COPY")
        return self.url(name)

    def files_of(self, url: str) -> list[Path]:
        """The on-disk files of a database and the write-ahead log, after a checkpoint
        (so that nothing the database holds is only in memory)."""
        name = url.rsplit("/", 1)[1]
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute("CHECKPOINT")
            row = conn.execute("SELECT oid FROM pg_database WHERE datname = %s", (name,))
            oid = row.fetchone()[0]  # type: ignore[index]
        data = self.folder / "data"
        folders = [data / "base" / str(oid), data / "pg_wal"]
        return [path for folder in folders for path in folder.rglob("*") if path.is_file()]

    def go_down(self) -> None:
        """Fast shutdown: every connection is cut, as in a database outage. The signal
        goes to the postmaster itself (``runuser`` would not pass it on)."""
        postmaster = int((self.folder / "data" / "postmaster.pid").read_text().split()[0])
        os.kill(postmaster, signal.SIGINT)
        self.process.wait(timeout=30)

    def come_back(self) -> None:
        """Start the same cluster again, on the same port, after ``go_down``."""
        log = (self.folder / "server.log").open("ab")
        self.process = subprocess.Popen(self.command, stdout=log, stderr=subprocess.STDOUT)
        _wait_ready(self)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)
        shutil.rmtree(self.folder, ignore_errors=True)


def start_postgres(
    *, durable: bool = False, settings: tuple[str, ...] = (), auth: str = "scram-sha-256"
) -> PostgresServer:
    """Start a fresh cluster; ``durable`` keeps fsync on (for benchmarks); ``auth`` is
    the method for every connection (``trust`` lets anyone in: the doctor's probe
    tests want such a server to find)."""
    initdb, postgres = postgres_binary("initdb"), postgres_binary("postgres")
    if initdb is None or postgres is None:
        raise RuntimeError("PostgreSQL is not installed (scripts/test installs it)")
    owner = pwd.getpwnam("postgres") if os.getuid() == 0 else None
    run_as = ["runuser", "-u", "postgres", "--"] if owner else []
    folder = Path(tempfile.mkdtemp(prefix="sw-pg-"))
    os.chmod(folder, 0o700)
    password = secrets.token_urlsafe(18)
    pwfile = folder / "pw"
    pwfile.write_text(password + "\n")
    if owner:
        for path in (folder, pwfile):
            os.chown(path, owner.pw_uid, owner.pw_gid)
    init = [str(initdb), "-D", str(folder / "data"), "-A", auth, "-U", "postgres"]
    subprocess.run(
        [*run_as, *init, f"--pwfile={pwfile}", "--no-sync"],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    pwfile.unlink()
    port = _free_port()
    options = [*([] if durable else FAST), *settings]
    command = [*run_as, str(postgres), "-D", str(folder / "data"), "-p", str(port)]
    command += ["-k", str(folder), "-c", "listen_addresses=127.0.0.1"]
    for option in options:
        command += ["-c", option]
    log = (folder / "server.log").open("ab")
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    server = PostgresServer(folder, port, password, process, command)
    _wait_ready(server)
    return server


def _wait_ready(server: PostgresServer) -> None:
    deadline = time.monotonic() + 30
    last: Any = None
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError((server.folder / "server.log").read_text()[-2000:])
        try:
            psycopg.connect(server.url(), connect_timeout=2).close()
            return
        except psycopg.OperationalError as exc:
            last = exc
            time.sleep(0.1)
    raise RuntimeError(f"PostgreSQL did not start within 30 s: {last}")
