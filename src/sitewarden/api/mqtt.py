"""Wire MQTT into one app: intake, Frigate, alerts and commands share one connection."""

from __future__ import annotations

from sitewarden.access.decisions import AccessDesk
from sitewarden.api.context import AppContext
from sitewarden.api.parking import GateDesk
from sitewarden.errors import ConfigError
from sitewarden.ingest.frigate import FrigateAdapter
from sitewarden.ingest.mqtt_broker import node_secret_path, read_node_secret
from sitewarden.ingest.mqtt_commands import CommandPublisher
from sitewarden.ingest.mqtt_intake import IntakeDeps
from sitewarden.ingest.mqtt_link import MqttLink


def build_mqtt(context: AppContext, gates: GateDesk, desk: AccessDesk) -> MqttLink | None:
    """The node's broker link when ``mqtt_url`` is set (started by the app's lifespan)."""
    settings = context.settings
    if settings.mqtt_url is None:
        return None
    secret = node_secret_path(settings)
    if not secret.exists():
        raise ConfigError(
            f"mqtt_url is set but {secret} is missing; run 'sitewarden mqtt config --out DIR' "
            "to create the nodes' broker account and the broker's files"
        )
    deps = IntakeDeps(
        writer=context.writer,
        seal=context.vault.seal_events,
        take_occupancy=context.alerts.occupancy.take,
        event_exists=lambda event_id: context.store.events.get_event(event_id) is not None,
        find_device=context.relayed.find,
        limits=context.intake_limits,
    )
    link = MqttLink(settings, read_node_secret(secret), deps)
    if settings.frigate_cameras:
        try:
            adapter = FrigateAdapter(settings.frigate_cameras, context.relayed.find)
        except ValueError as exc:
            raise ConfigError(str(exc)) from exc
        link.add_handler(settings.frigate_topic, adapter.parse)
    context.alerts.notifiers.append(link)
    commands = CommandPublisher(link.publish)
    gates.gates.listeners.append(commands.decision)
    desk.listeners.append(commands.decision)
    return link
