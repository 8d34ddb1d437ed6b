"""The running system, built once: storage, vault, audit log, the event writer and the
intake in front of it, occupancy counting, the alert machinery, the parking gates, the
access desk, MQTT and the background jobs.

``serve`` (through the app factory), the demo and ``doctor`` build a :class:`Runtime`
here; the CLI and the writer child open only what they use (:func:`open_storage`,
:func:`build_vault`, :func:`build_audit`). Nothing else wires features together.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from sitewarden.access.decisions import AccessDesk, FaceSettings
from sitewarden.access.gallery import Galleries
from sitewarden.access.people import People
from sitewarden.access.subject_records import AccessSubjectRecords
from sitewarden.alerts.batch_transaction import AlertingWriter, BatchSignal, BatchSink
from sitewarden.alerts.engine import AlertEngine
from sitewarden.alerts.health import Maintenance
from sitewarden.alerts.model import AlertChange
from sitewarden.alerts.notify import LiveHub, Notifier, WebhookDispatcher
from sitewarden.alerts.service import AlertSystem, CapacityCache, load_rule_set
from sitewarden.alerts.webhook_targets import parse_networks
from sitewarden.config import Settings
from sitewarden.errors import ConfigError
from sitewarden.events.ids import EventIdFactory
from sitewarden.intake.frigate import FrigateAdapter
from sitewarden.intake.mqtt_broker import node_secret_path, read_node_secret
from sitewarden.intake.mqtt_commands import CommandPublisher
from sitewarden.intake.mqtt_intake import IntakeDeps
from sitewarden.intake.mqtt_link import MqttLink
from sitewarden.intake.relayed_devices import RelayedDevices
from sitewarden.intake.service import Intake
from sitewarden.intake.validation import IntakeLimits
from sitewarden.intake.writer import EventSink, EventWriter
from sitewarden.occupancy.aggregator import OccupancyAggregator
from sitewarden.parking.gates import ParkingGates
from sitewarden.parking.lane_bursts import LaneBursts
from sitewarden.parking.subject_records import ParkingSubjectRecords
from sitewarden.privacy.audit import AuditLog
from sitewarden.privacy.keyring import KeyRing
from sitewarden.privacy.retention import RetentionJob, RetentionReport, deleted_counts
from sitewarden.privacy.retention_ledger import RetentionLedger, run_recorder
from sitewarden.privacy.subject_requests import SubjectHolder, SubjectRequests
from sitewarden.privacy.vault import KeyWriter, Vault
from sitewarden.runtime.storage import Storage, open_storage
from sitewarden.vision.faces import FaceEngine


@dataclass
class Runtime:
    """Everything a sitewarden node runs, over one storage. Start once, stop once."""

    settings: Settings
    store: Storage
    keys: KeyRing
    vault: Vault
    audit: AuditLog
    ids: EventIdFactory
    writer: AlertingWriter
    occupancy: OccupancyAggregator
    intake: Intake
    alerts: AlertSystem
    relayed: RelayedDevices
    subject_requests: SubjectRequests
    gates: ParkingGates
    access: AccessDesk
    retention: RetentionJob
    mqtt: MqttLink | None = None

    @property
    def intake_limits(self) -> IntakeLimits:
        settings = self.settings
        return IntakeLimits(
            max_clock_skew=timedelta(seconds=settings.max_clock_skew_s),
            max_event_age=timedelta(days=settings.max_event_age_days),
            max_json_depth=settings.max_json_depth,
        )

    def start(self) -> None:
        """Start the writer thread, then the alert machinery (webhooks, maintenance,
        listening to other nodes), then MQTT and retention."""
        self.writer.start()
        self.alerts.start()
        if self.mqtt is not None:
            self.mqtt.start()
        self.retention.start()

    def stop(self) -> None:
        self.retention.stop()
        if self.mqtt is not None:
            self.mqtt.stop()
        self.alerts.stop()
        self.writer.stop()


def build_vault(store: Storage, keys: KeyRing, key_writer: KeyWriter | None = None) -> Vault:
    """The vault over the storage's keys and subjects (new keys through ``key_writer``,
    a writer process, where given)."""
    return Vault(store.privacy, keys, key_writer)


def build_audit(settings: Settings, store: Storage, keys: KeyRing) -> AuditLog:
    return AuditLog(store.privacy, keys.audit_key, settings.key_path)


def build_subject_requests(store: Storage, vault: Vault) -> SubjectRequests:
    """Subject requests over the vault, the events and each feature holding subjects."""
    holders: list[SubjectHolder] = [
        AccessSubjectRecords(store.access, vault, store.access_groups),
        ParkingSubjectRecords(store.parking_data()),
    ]
    return SubjectRequests(store.privacy, store.events, vault, holders)


def build_people(store: Storage, vault: Vault) -> People:
    return People(store.access, vault, build_subject_requests(store, vault).erase)


def audit_retention(audit: AuditLog, report: RetentionReport) -> None:
    """The audit entry of a scheduled retention run that deleted something."""
    audit.record(
        actor="system:retention",
        role="system",
        action="retention.run",
        targets=deleted_counts(report),
        purpose="retention schedule",
    )


def build_runtime(
    settings: Settings,
    store: Storage,
    keys: KeyRing | None = None,
    *,
    event_sink: EventSink[BatchSignal, AlertChange] | None = None,
    key_writer: KeyWriter | None = None,
) -> Runtime:
    """Build every part once. ``keys`` default to the key files (or environment) the
    settings point at; batches are committed by ``event_sink`` (a writer process) where
    given, else in this process; the vault's new data keys by ``key_writer``."""
    keyring = keys or KeyRing.load(settings.key_path)
    ids = EventIdFactory()
    vault = build_vault(store, keyring, key_writer)
    writer: AlertingWriter = EventWriter(event_sink or BatchSink(store.batch))
    occupancy = OccupancyAggregator(store.occupancy)
    alerts = _build_alert_system(settings, store, writer, occupancy, ids)
    intake = Intake(writer, vault.seal_events, occupancy.take)
    requests = build_subject_requests(store, vault)
    audit = build_audit(settings, store, keyring)
    runtime = Runtime(
        settings=settings,
        store=store,
        keys=keyring,
        vault=vault,
        audit=audit,
        ids=ids,
        writer=writer,
        occupancy=occupancy,
        intake=intake,
        alerts=alerts,
        relayed=RelayedDevices(store.registry),
        subject_requests=requests,
        retention=RetentionJob(
            store.events,
            store.access_media,
            settings.retention_days,
            frames=store.review_frames,
            lane_frames=store.lane_frames,
            every_s=settings.retention_interval_s,
            owns_job=store.db.owns_job,
            on_deleted=lambda report: audit_retention(audit, report),
            on_run=run_recorder(RetentionLedger(store.db), "job"),
        ),
        gates=ParkingGates(
            store.parking_data(),
            vault,
            intake,
            ids,
            frame_days=settings.retention_days.get("plate_reads", 0),
            bursts=LaneBursts(settings.plate_burst_s),
        ),
        access=AccessDesk(
            store.access_data(),
            People(store.access, vault, requests.erase),
            Galleries(store.access, vault),
            FaceEngine(min_face_px=settings.face_min_px),  # models load on the first face
            intake,
            ids,
            FaceSettings(
                settings.face_match_threshold, settings.face_match_margin, settings.face_learning
            ),
        ),
    )
    runtime.mqtt = _build_mqtt(runtime)
    return runtime


def _build_mqtt(runtime: Runtime) -> MqttLink | None:
    """The node's broker link when ``mqtt_url`` is set: device events in (and Frigate's),
    alert changes and gate and door commands out, over one connection."""
    settings = runtime.settings
    if settings.mqtt_url is None:
        return None
    secret = node_secret_path(settings)
    if not secret.exists():
        raise ConfigError(
            f"mqtt_url is set but {secret} is missing; run 'sitewarden mqtt config --out DIR' "
            "to create the nodes' broker account and the broker's files"
        )
    store = runtime.store
    deps = IntakeDeps(
        intake=runtime.intake,
        event_exists=lambda event_id: store.events.get_event(event_id) is not None,
        find_device=runtime.relayed.find,
        limits=runtime.intake_limits,
    )
    link = MqttLink(settings, read_node_secret(secret), deps)
    if settings.frigate_cameras:
        try:
            adapter = FrigateAdapter(settings.frigate_cameras, runtime.relayed.find)
        except ValueError as exc:
            raise ConfigError(str(exc)) from exc
        link.add_handler(settings.frigate_topic, adapter.parse)
    runtime.alerts.notifiers.append(link)
    commands = CommandPublisher(link.publish)
    runtime.gates.listeners.append(commands.decision)
    runtime.access.listeners.append(commands.decision)
    return link


def _build_alert_system(
    settings: Settings,
    store: Storage,
    writer: AlertingWriter,
    occupancy: OccupancyAggregator,
    ids: EventIdFactory,
) -> AlertSystem:
    loaded = load_rule_set(store.rules)
    engine = AlertEngine(loaded.rules, CapacityCache(store.registry), loaded.broken)
    hub = LiveHub()
    webhooks = WebhookDispatcher(
        store.webhooks,
        max_attempts=settings.webhook_max_attempts,
        allowed_networks=parse_networks(settings.webhook_allowed_networks),
    )
    notifiers: list[Notifier] = [hub, webhooks]

    def announce(changes: Sequence[AlertChange]) -> None:
        for notifier in notifiers:
            notifier.notify(changes)

    maintenance = Maintenance(
        store.alarms,
        store.health,
        store.db.owns_job,
        writer,
        engine,
        occupancy.flush,
        announce,
        offline_after_intervals=settings.offline_after_intervals,
        escalate_after=timedelta(minutes=settings.escalate_after_minutes),
        every_s=settings.health_check_interval_s,
        ids=ids,
    )
    writer.attach_judge(engine)
    writer.add_listener(announce)
    return AlertSystem(
        store.rules, store.db.listen_to_other_nodes, engine, hub, webhooks, maintenance, notifiers
    )


__all__ = [
    "Runtime",
    "Storage",
    "build_audit",
    "build_people",
    "build_runtime",
    "build_subject_requests",
    "build_vault",
    "open_storage",
]
