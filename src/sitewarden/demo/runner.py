"""``sitewarden demo``: prepare the demo data folder, serve it, and simulate its devices.

The real server runs in-process (uvicorn in a thread); the simulator posts to it
over HTTP like any device would. Each start gives the demo administrator a fresh
password and every demo device a fresh token, so nothing secret is kept in clear.
"""

from __future__ import annotations

import contextlib
import logging
import random
import signal
import ssl
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from types import FrameType

import httpx
import uvicorn
from rich.console import Console
from rich.markup import escape

from sitewarden.accounts import accounts
from sitewarden.accounts.passwords import generate_password
from sitewarden.accounts.records import ApiKey
from sitewarden.accounts.roles import Role
from sitewarden.app import create_app
from sitewarden.config import Settings
from sitewarden.demo import attendance_history, credentials, site
from sitewarden.demo.admin_api import AdminApi
from sitewarden.demo.device_calls import DeviceCalls
from sitewarden.demo.live_site import NORMAL, LivePace, LivePlans, configure_live_site
from sitewarden.demo.simulator import Simulator, SimulatorStats, start_simulator
from sitewarden.errors import ConfigError, InvalidInput
from sitewarden.initialise import initialise, is_initialised
from sitewarden.privacy.keyfiles import check_key_folder
from sitewarden.runtime.storage import Storage, open_storage
from sitewarden.server import check_listen_safety, proxy_options, url_of

ADMIN_USERNAME = "admin"
STARTUP_TIMEOUT_S = 30.0
_WILDCARD_HOSTS = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}


@dataclass(frozen=True)
class PreparedDemo:
    """What a demo start produced: the admin login and the devices' fresh tokens."""

    admin_username: str
    admin_password: str
    device_tokens: dict[str, str]
    initialised_now: bool
    setup_key: ApiKey
    setup_token: str  # for the garage and access set-up; revoked once it is done
    pay_station_key: str


def prepare_demo(settings: Settings) -> PreparedDemo:
    """Initialise the folder if needed, reset the admin password, build the site, rotate tokens."""
    initialised_now = not is_initialised(settings)
    if initialised_now:
        initialise(settings, ADMIN_USERNAME)
    check_key_folder(settings.key_path)
    store = open_storage(settings)
    try:
        password = reset_admin_password(store)
        site.build_demo_site(store)
        tokens = site.issue_demo_tokens(store)
        setup_key, setup_token = credentials.issue_setup_key(store, ADMIN_USERNAME)
        pay_station_key = credentials.issue_pay_station_key(store)
    finally:
        store.close()
    return PreparedDemo(
        ADMIN_USERNAME, password, tokens, initialised_now, setup_key, setup_token, pay_station_key
    )


def reset_admin_password(store: Storage, username: str = ADMIN_USERNAME) -> str:
    """Give the demo administrator a new generated password (creating them if missing)."""
    password = generate_password()
    user = store.accounts.get_user_by_name(username)
    if user is None:
        accounts.create_user(
            store.accounts, store.registry, username, Role.ADMIN, password=password
        )
        return password
    user = accounts.set_password(store.accounts, user, password)
    if user.disabled:
        accounts.set_disabled(store.accounts, user, False)
    return password


def local_url(settings: Settings) -> str:
    """The address this process reaches its own server at (loopback for wildcard binds)."""
    host = _WILDCARD_HOSTS.get(settings.host, settings.host)
    return url_of(settings.model_copy(update={"host": host}))


def client_verify(settings: Settings) -> ssl.SSLContext | bool:
    """How the simulator checks the demo server's TLS: trust exactly its certificate.

    The name in the certificate is the public one, not the loopback address the
    simulator dials, so the pinned certificate stands in for the name check.
    """
    if settings.tls_cert is None:
        return True
    context = ssl.create_default_context(cafile=str(settings.tls_cert))
    context.check_hostname = False
    return context


def configure_demo_site(
    settings: Settings, prepared: PreparedDemo, store: Storage, console: Console
) -> LivePlans:
    """Garage and access control through the running server's API, and on a site with
    no past yet two weeks of staff attendance; then the key goes."""
    try:
        with httpx.Client(
            base_url=local_url(settings),
            timeout=60,
            verify=client_verify(settings),
            trust_env=False,
        ) as client:
            admin = AdminApi(client, prepared.setup_token)
            plans = configure_live_site(admin)
            today = attendance_history.site_today()
            if not attendance_history.has_history(admin, today):
                console.print("adding two weeks of staff attendance history…", highlight=False)
                passes = attendance_history.staff_history(
                    plans.access.staff_people, today, random.Random(site.POPULATION_SEED)
                )
                # A failed batch is logged by the calls; the demo goes on without it.
                calls = DeviceCalls(client, prepared.device_tokens, None, lambda outcome: None)
                attendance_history.post_history(calls, passes)
            return plans
    finally:
        credentials.revoke_key(store, prepared.setup_key)


def run_demo(
    settings: Settings,
    *,
    rate: float,
    simulate: bool,
    console: Console,
    pace: LivePace = NORMAL,
) -> None:
    """Serve the demo site until Ctrl-C (or SIGTERM), simulating its devices.

    ``pace`` is how often cars and people come; :data:`FAST` is for tests only.
    """
    check_listen_safety(settings)
    if simulate and rate <= 0:
        raise InvalidInput("--rate must be above 0 events a second (or use --no-simulate)")
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(message)s")
    prepared = prepare_demo(settings)
    store = open_storage(settings)
    stop = threading.Event()
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(settings, store),
            host=settings.host,
            port=settings.port,
            ssl_certfile=settings.tls_cert,
            ssl_keyfile=settings.tls_key,
            server_header=False,
            access_log=False,
            log_level="warning",
            **proxy_options(settings),
        )
    )
    serving = threading.Thread(target=server.run, name="demo-server", daemon=True)
    simulator: Simulator | None = None
    simulating: threading.Thread | None = None
    try:
        with _stop_on_signals(stop):
            serving.start()
            _wait_until_healthy(settings, serving, stop)
            console.print("setting up the garage and access control…", highlight=False)
            plans = configure_demo_site(settings, prepared, store, console)
            if simulate and not stop.is_set():
                simulator = Simulator(
                    local_url(settings),
                    prepared.device_tokens,
                    rate=rate,
                    verify=client_verify(settings),
                    live=plans,
                    pay_key=prepared.pay_station_key,
                    pace=pace,
                )
                simulating = start_simulator(simulator, stop)
            if not stop.is_set():
                _print_banner(console, settings, prepared, rate if simulate else None)
            while not stop.wait(0.5):
                if not serving.is_alive():
                    raise ConfigError("the demo server stopped unexpectedly; see the log above")
            console.print("stopping…", highlight=False)
    finally:
        stop.set()
        if simulating is not None:
            simulating.join(timeout=15)
        server.should_exit = True
        if serving.is_alive():
            serving.join(timeout=30)
        store.close()
    if simulator is not None:
        _print_summary(console, simulator.stats())


def _wait_until_healthy(
    settings: Settings, serving: threading.Thread, stop: threading.Event
) -> None:
    url = local_url(settings) + "/healthz"
    verify = client_verify(settings)
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    with httpx.Client(timeout=2, verify=verify, trust_env=False) as client:
        while not stop.is_set():
            if not serving.is_alive():
                raise ConfigError(
                    f"could not serve on {settings.host}:{settings.port}; is another program "
                    "using that port? Choose another with --port"
                )
            try:
                if client.get(url).status_code == 200:
                    return
            except httpx.HTTPError:
                pass  # not listening yet
            if time.monotonic() > deadline:
                raise ConfigError(f"the demo server did not answer {url} within 30 s")
            stop.wait(0.1)


@contextlib.contextmanager
def _stop_on_signals(stop: threading.Event) -> Iterator[None]:
    """Ctrl-C and SIGTERM set ``stop`` instead of killing the process mid-write."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _print_banner(
    console: Console, settings: Settings, prepared: PreparedDemo, rate: float | None
) -> None:
    silent = sum(1 for device in site.DEVICES if device.behaviour is not site.Behaviour.NORMAL)
    state = "created" if prepared.initialised_now else "reused"
    console.print(f"[bold green]{site.SITE_NAME}[/] demo is running", highlight=False)
    console.print(f"  open      [bold]{url_of(settings)}[/]", highlight=False)
    console.print(f"  username  [bold]{prepared.admin_username}[/]", highlight=False)
    console.print(
        f"  password  [bold]{prepared.admin_password}[/]  (new at every demo start)",
        highlight=False,
    )
    console.print(f"  data      {escape(str(settings.data_dir))} ({state})", highlight=False)
    if rate is None:
        console.print(
            f"  devices   {len(site.DEVICES)} in site {site.SITE_ID}, not simulated",
            highlight=False,
        )
    else:
        console.print(
            f"  devices   {len(site.DEVICES)} in site {site.SITE_ID}, about {rate:g} events/s "
            f"({silent} kept quiet to show offline and never-seen devices)",
            highlight=False,
        )
    if rate is not None:
        console.print(
            "  live      cars at the garage gates and people at the readers go through the "
            "server's own decisions (docs/parking.md, docs/access.md)",
            highlight=False,
        )
    if not settings.require_second_factor:
        console.print(
            "  [yellow]demo only:[/] admins sign in without a second factor here; a real "
            "site requires one (sitewarden doctor says so)",
            highlight=False,
        )
    console.print("Ctrl-C to stop", highlight=False)


def _print_summary(console: Console, stats: SimulatorStats) -> None:
    console.print(
        f"stopped: {stats.accepted_total} events accepted, {stats.rejected} rejected, "
        f"{stats.failed_requests} requests failed",
        highlight=False,
    )
    if stats.live:
        outcomes = ", ".join(f"{what} {count}" for what, count in sorted(stats.live.items()))
        console.print(f"  garage and readers: {outcomes}", highlight=False)
