"""Setting up and running: init, serve, demo, doctor, bench."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import orjson
import typer

from sitewarden.cli.base import DataDir, app, err, fail, guarded, out, settings_for


# --- init, serve, demo ---------------------------------------------------------------
@app.command()
def init(
    data_dir: DataDir = None,
    admin: Annotated[str, typer.Option(help="username of the first administrator")] = "admin",
) -> None:
    """Create the data folder, database, key files and the first administrator."""
    from sitewarden.initialise import initialise

    settings = settings_for(data_dir)
    result = guarded(lambda: initialise(settings, admin))
    out.print(f"[green]Initialised[/] {result.data_dir}")
    out.print(f"  database  {result.database}")
    out.print(f"  keys      {settings.key_path} (mode 0600; back them up apart from the database)")
    out.print(f"  admin     [bold]{result.admin_username}[/]")
    out.print(
        f"  password  [bold]{result.admin_password}[/]  (shown once; change it after signing in)"
    )


@app.command()
def serve(
    data_dir: DataDir = None,
    host: Annotated[str | None, typer.Option(help="address to bind; default 127.0.0.1")] = None,
    port: Annotated[int | None, typer.Option(help="port; default 8470")] = None,
    tls_cert: Annotated[Path | None, typer.Option(help="TLS certificate (PEM)")] = None,
    tls_key: Annotated[Path | None, typer.Option(help="TLS private key (PEM)")] = None,
    allow_critical: Annotated[
        bool, typer.Option(help="start even if sitewarden doctor finds critical problems")
    ] = False,
) -> None:
    """Serve the API and web pages (loopback only unless TLS is configured)."""
    from sitewarden.server import check_listen_safety, url_of
    from sitewarden.server import serve as run_server

    settings = settings_for(data_dir, host=host, port=port, tls_cert=tls_cert, tls_key=tls_key)
    guarded(lambda: check_listen_safety(settings))
    err.print(f"sitewarden serving {url_of(settings)} (data {settings.data_dir})")
    guarded(lambda: run_server(settings, allow_critical=allow_critical))


@app.command()
def demo(
    data_dir: Annotated[
        Path, typer.Option("--data-dir", "-d", help="demo data folder (created or reused)")
    ] = Path(".sitewarden-demo"),
    port: Annotated[int, typer.Option(help="port to serve on")] = 8470,
    rate: Annotated[float, typer.Option(help="simulated events per second")] = 4.0,
    simulate: Annotated[bool, typer.Option(help="run the device simulator")] = True,
    fast: Annotated[
        bool, typer.Option(hidden=True, help="for tests: cars and passes every second or so")
    ] = False,
) -> None:
    """Run the demo site: a residential community with ~40 devices and live traffic."""
    from sitewarden.demo.live_site import FAST, NORMAL
    from sitewarden.demo.runner import run_demo

    # Short retention so that expiry is visible while the demo runs (days, fractional).
    demo_retention = {"heartbeats": 0.02, "face_crops": 0.02, "plate_reads": 0.1}
    # The demo skips the second factor so that a newcomer needs no authenticator app;
    # `sitewarden doctor` on the demo folder reports that as critical, as it should.
    settings = settings_for(
        data_dir,
        port=port,
        retention_days=demo_retention,
        retention_interval_s=60,
        require_second_factor=False,
    )
    pace = FAST if fast else NORMAL
    guarded(lambda: run_demo(settings, rate=rate, simulate=simulate, console=out, pace=pace))


# --- doctor -------------------------------------------------------------------------------
@app.command()
def doctor(
    data_dir: DataDir = None,
    probe: Annotated[
        list[str] | None,
        typer.Option(
            help="also probe this URL you own (repeatable): http(s), postgresql, "
            "redis, mongodb, mqtt; only the exact URL, never a range"
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="machine-readable output")] = False,
) -> None:
    """Audit this deployment: listening, routes, accounts, keys, files, retention, webhooks.

    Exit code by the worst finding: 0 fine, 1 minor, 2 major, 3 critical.
    """
    from sitewarden.doctor.findings import exit_code
    from sitewarden.doctor.probe import probe as probe_url
    from sitewarden.doctor.report import examine_deployment, render

    settings = settings_for(data_dir)
    findings = examine_deployment(settings)
    for url in probe or []:
        findings += probe_url(url)
    if as_json:
        sys.stdout.write(orjson.dumps([f.as_dict() for f in findings]).decode() + "\n")
    else:
        render(findings, out)
    raise typer.Exit(code=exit_code(findings))


# --- bench --------------------------------------------------------------------------------
@app.command()
def bench(
    name: Annotated[
        str | None,
        typer.Argument(help="ingest, search, privacy, alerts, plates or security; all if omitted"),
    ] = None,
    quick: Annotated[bool, typer.Option(help="small sizes: does everything still work?")] = False,
) -> None:
    """Run the benchmarks from a source checkout (they live in bench/, beside src/)."""
    import subprocess

    if not Path("bench/run.py").exists():
        raise fail("run this from a sitewarden source checkout: the benchmarks live in bench/")
    if name is not None and not Path(f"bench/{name}.py").exists():
        raise fail(f"no benchmark {name!r}; see bench/")
    only = ["--only", name] if name else []
    command = [sys.executable, "-m", "bench.run", *only, *(["--quick"] if quick else [])]
    raise typer.Exit(code=subprocess.run(command, check=False).returncode)
