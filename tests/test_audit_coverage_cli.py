"""Everything the command line changes is audited (issue 21), and docs/privacy.md's table
names every action the code writes.

The commands come from the command line's own tree (typer's click group), so a command
added later must get an entry: in ``CLI_CHANGES`` (the action it must leave, run by
``test_commands_that_change_something_are_audited``) or in ``CLI_EXEMPT`` with the
reason. A command in neither fails ``test_every_command_is_walked_or_exempt`` by name.
"""

from __future__ import annotations

import ast
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import typer

from sitewarden.cli import app
from sitewarden.events.device_kinds import DeviceKind
from tests.conftest import LiveServer, device_client
from tests.test_access_cli import portrait_file
from tests.test_audit_coverage import CALLS, calls_of
from tests.test_cli import sitewarden

ROOT = Path(__file__).resolve().parent.parent
ACTION = re.compile(r"^[a-z_]+(\.[a-z_]+)+$")

# The commands that change something, and the action each must leave.
CLI_CHANGES: dict[str, str] = {
    "users add": "user.create",
    "users disable": "user.disable",
    "users enable": "user.enable",
    "sites add": "site.create",
    "sites add-zone": "zone.create",
    "devices add": "device.create",
    "devices token": "device.token_rotate",
    "mqtt config": "mqtt.config",
    "mqtt secret": "mqtt.secret_rotate",
    "devices revoke": "device.token_revoke",
    "people enrol": "access.enrol",
    "people faces": "access.faces",
    "people bar": "access.bar",
    "subject export": "subject.export",
    "subject erase": "subject.erase",
    "alerts ack": "alert.acknowledge",
    "alerts resolve": "alert.resolve",
    "keys rotate": "keys.rotate",
    "retention run": "retention.run",
    "backup": "backup.write",
}

# Commands that change nothing an operator answers for, with the reason. Keep this small.
CLI_EXEMPT: dict[str, str] = {
    "alerts list": "reads alerts, which hold no personal values",
    "alerts rules": "reads the rules in force",
    "alerts tail": "follows alerts, which hold no personal values",
    "alerts validate": "checks rule definitions and stores nothing",
    "audit verify": "reads the audit chain",
    "bench": "runs the benchmarks on their own data",
    "demo": "runs the demo site in a data folder of its own",
    "devices list": "reads the registry",
    "doctor": "reads the deployment's settings and files",
    "events tail": "follows events with their personal part sealed",
    "init": "creates the data folder, its keys and the first admin: the chain starts here",
    "people list": "reads; opening names (--purpose) is audited as access.people.read",
    "serve": "serves the API, whose routes tests/test_audit_coverage.py walks",
    "sites list": "reads the registry",
    "users list": "reads the accounts",
}


def cli_commands(group: Any = None, path: tuple[str, ...] = ()) -> Iterator[str]:
    """Every command of the command line, as typed after ``sitewarden``."""
    group = typer.main.get_command(app) if group is None else group
    for name, command in sorted(group.commands.items()):
        if hasattr(command, "commands"):
            yield from cli_commands(command, (*path, name))
        else:
            yield " ".join((*path, name))


def unwalked_commands(commands: list[str]) -> list[str]:
    return [
        f"sitewarden {command}: add {command!r}: '<area>.<what it did>' to CLI_CHANGES in "
        "tests/test_audit_coverage_cli.py, with its arguments in cli_arguments (and "
        "audit_cli_change(settings, store, '<area>.<what it did>', site, [<ids>]) in the "
        "command), or, for a command that changes nothing, an entry with the reason to "
        "CLI_EXEMPT"
        for command in commands
        if command not in CLI_CHANGES and command not in CLI_EXEMPT
    ]


def test_every_command_is_walked_or_exempt() -> None:
    commands = list(cli_commands())
    assert len(commands) > 30
    assert unwalked_commands(commands) == []
    stale = sorted((set(CLI_CHANGES) | set(CLI_EXEMPT)) - set(commands))
    assert stale == [], f"entries for commands the command line no longer has: {stale}"


def test_a_new_command_without_an_entry_fails_by_name() -> None:
    [message] = unwalked_commands([*cli_commands(), "devices wipe"])
    assert message.startswith("sitewarden devices wipe: add")
    assert "CLI_CHANGES" in message and "audit_cli_change" in message and "CLI_EXEMPT" in message


# --- running them ------------------------------------------------------------------------
def _entries_of(server: LiveServer) -> list[Any]:
    store = server.open_storage()
    try:
        return list(store.privacy.audit_entries(after_seq=0, limit=100_000))
    finally:
        store.close()


def _wait_for(server: LiveServer, action: str) -> Any:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        found = [e for e in _entries_of(server) if e.action == action]
        if found:
            return found[-1]
        time.sleep(0.5)
    raise AssertionError(f"no {action!r} entry within 30 s")


@dataclass
class CliRun:
    """What the commands need: the alert to act on, a folder, the person enrolled."""

    alert_id: str
    folder: Path
    person_id: str = ""


BADGE = "CLI-WALK-7"  # a personal value no entry may hold

ARGUMENTS: dict[str, Callable[[CliRun], list[str]]] = {
    "users add": lambda r: ["users", "add", "cli-walker", "--role", "viewer"],
    "users disable": lambda r: ["users", "disable", "cli-walker"],
    "users enable": lambda r: ["users", "enable", "cli-walker"],
    "sites add": lambda r: ["sites", "add", "cli-new", "--name", "New"],
    "sites add-zone": lambda r: ["sites", "add-zone", "cli-new", "hall"],
    "devices add": lambda r: ["devices", "add", "cli-new", "cam", "--kind", "camera"],
    "devices token": lambda r: ["devices", "token", "cli-new", "cam"],
    "mqtt config": lambda r: ["mqtt", "config", "--out", str(r.folder / "mqtt")],
    "mqtt secret": lambda r: ["mqtt", "secret", "cli-new", "cam", "--out", str(r.folder / "mqtt")],
    "devices revoke": lambda r: ["devices", "revoke", "cli-new", "cam"],
    "people enrol": lambda r: [
        "people",
        "enrol",
        "cli-new",
        "--name",
        "Walker Cli",
        "--group",
        "staff",
        "--badge",
        BADGE,
    ],
    "people faces": lambda r: [
        "people",
        "faces",
        "cli-new",
        r.person_id,
        str(portrait_file(r.folder, "hopper")),
        "--consent",
        "written",
    ],
    "people bar": lambda r: ["people", "bar", "cli-new", r.person_id, "--reason", "walk check"],
    "subject export": lambda r: [
        "subject",
        "export",
        "cli-new",
        "--badge",
        BADGE,
        "--purpose",
        "walk",
        "-o",
        str(r.folder / "export.json"),
    ],
    "subject erase": lambda r: [
        "subject",
        "erase",
        "cli-new",
        "--badge",
        BADGE,
        "--purpose",
        "walk",
        "--yes",
    ],
    "alerts ack": lambda r: ["alerts", "ack", r.alert_id],
    "alerts resolve": lambda r: ["alerts", "resolve", r.alert_id],
    "keys rotate": lambda r: ["keys", "rotate"],
    "retention run": lambda r: ["retention", "run"],
    "backup": lambda r: ["backup", str(r.folder / "copy.db")],
}


def test_every_changing_command_has_its_arguments() -> None:
    assert list(ARGUMENTS) == list(CLI_CHANGES)


def test_commands_that_change_something_are_audited(
    configured_server: Callable[[str], LiveServer], tmp_path: Path
) -> None:
    """Each command of CLI_CHANGES, run in turn on a stopped server's folder, leaves its
    entry by ``cli:<user>``; and the server's scheduled retention run leaves one too."""
    server = configured_server("retention_interval_s = 10\n[retention_days]\nheartbeats = 10")
    token = server.add_site_with_device("cli-aw", "door", DeviceKind.DOOR_CONTACT)
    old = (datetime.now(UTC) - timedelta(days=20)).isoformat()
    with device_client(server, token) as door:
        posted = [{"kind": "door.forced"}, {"kind": "device.heartbeat", "time": old}]
        assert door.post("/api/v1/events", json=posted).status_code < 300
    with server.client() as admin:
        [alert] = admin.get("/api/v1/alerts", params={"site": "cli-aw"}).json()["alerts"]
    scheduled = _wait_for(server, "retention.run")  # the server's next run takes the heartbeat
    assert scheduled.actor == "system:retention" and scheduled.targets == ("heartbeats:1",)
    server.stop()

    folder = server.settings.data_dir
    run = CliRun(alert["alert_id"], tmp_path)
    for command, action in CLI_CHANGES.items():
        before = len(_entries_of(server))
        result = sitewarden(*ARGUMENTS[command](run), data_dir=folder)
        assert result.returncode == 0, f"{command}: {result.stderr}"
        new = _entries_of(server)[before:]
        assert action in [e.action for e in new], f"{command}: {[e.action for e in new]}"
        assert all(e.actor.startswith("cli:") for e in new)
        for held in ("cli-walker", BADGE, "Walker Cli"):
            assert held not in str([e.targets for e in new]), f"{command}: {held} in an entry"
        if action == "access.enrol":
            run.person_id = new[0].targets[0].removeprefix("p-")
        if action == "mqtt.config":  # every device's first secret
            assert new[-1].targets == ("cli-aw/door", "cli-new/cam"), new[-1].targets
        if action == "mqtt.secret_rotate":
            assert new[-1].targets == ("cli-new/cam",), new[-1].targets
    verified = sitewarden("audit", "verify", data_dir=folder)
    assert verified.returncode == 0, verified.stderr


# --- the table in docs/privacy.md --------------------------------------------------------
AUDITING = {"record_audit": 3, "record_cli_audit": 1, "audit_cli_change": 2, "record": 0}


def written_actions() -> set[str]:
    """The audit actions the code names literally: the action argument of each call that
    records an entry (both branches of a conditional one), ``action = "..."`` and an
    ``action`` parameter's default."""
    found: set[str] = set()
    for path in (ROOT / "src" / "sitewarden").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            given: list[ast.expr] = []
            if isinstance(node, ast.Call):
                name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
                place = AUDITING.get(str(name))
                if place is not None and len(node.args) > place:
                    given.append(node.args[place])
                given += [k.value for k in node.keywords if k.arg == "action"]
            elif isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == "action" for t in node.targets
            ):
                given.append(node.value)
            elif isinstance(node, ast.FunctionDef):
                named = [*node.args.posonlyargs, *node.args.args]
                defaults = zip(
                    named[len(named) - len(node.args.defaults) :], node.args.defaults, strict=True
                )
                given += [value for arg, value in defaults if arg.arg == "action"]
            for expression in given:
                found |= {
                    c.value
                    for c in ast.walk(expression)
                    if isinstance(c, ast.Constant)
                    and isinstance(c.value, str)
                    and ACTION.match(c.value)
                }
    return found


def documented_actions() -> set[str]:
    text = (ROOT / "docs" / "privacy.md").read_text()
    section = text.split("### What is audited", 1)[1].split("\nNot audited", 1)[0]
    table = [line for line in section.splitlines() if line.startswith("| ")]
    return {name for line in table for name in re.findall(r"`([a-z_.]+)`", line) if "." in name}


def test_the_privacy_docs_name_every_audit_action() -> None:
    walked = {call.action for key in CALLS for call in calls_of(key)}
    written = written_actions()
    assert {"events.read", "auth.failed", "auth.second_factor", "door.unlock"} <= written
    expected = walked | set(CLI_CHANGES.values()) | written
    documented = documented_actions()
    missing = sorted(expected - documented)
    assert missing == [], f"audit actions missing from docs/privacy.md's table: {missing}"
    unknown = sorted(documented - expected)
    assert unknown == [], f"docs/privacy.md's table names actions nothing writes: {unknown}"
