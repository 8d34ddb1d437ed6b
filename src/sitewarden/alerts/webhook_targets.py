"""Where webhooks may send: nowhere on this host, its networks or a cloud's metadata
service (169.254.169.254), unless an admin allows the range in
``webhook_allowed_networks``.

A target is checked when the webhook is saved and again before each delivery, since a
name may resolve elsewhere later (DNS rebinding). The delivery then connects to the
address that was checked, never to the answer of a second lookup.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from sitewarden.errors import InvalidInput

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
# (host, port) -> the addresses the name resolves to; raises OSError when it does not.
Resolver = Callable[[str, int], Sequence[str]]


class WebhookTargetRefused(InvalidInput):
    """The target is on an address webhooks may not reach."""

    code = "webhook_target_refused"


class WebhookHostUnresolved(InvalidInput):
    """The target's host name does not resolve (now; it may later)."""

    code = "webhook_host_unresolved"


@dataclass(frozen=True)
class WebhookTarget:
    """A checked target: connect to ``address``, speak to ``host``."""

    host: str
    port: int
    address: IPAddress


def parse_networks(values: Sequence[str]) -> tuple[IPNetwork, ...]:
    """The allowed ranges (``10.0.0.0/8``, ``127.0.0.1``, ``fd00::/8``)."""
    return tuple(ipaddress.ip_network(value, strict=False) for value in values)


def resolve_host(host: str, port: int) -> list[str]:
    """Every address the name resolves to, as the system resolver answers now."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def non_public_kind(address: IPAddress) -> str | None:
    """What kind of non-public address this is, or None for a public one."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if address.is_loopback:
        return "loopback"
    if address.is_link_local:
        return "link-local"
    if address.is_unspecified:
        return "unspecified"
    if address.is_multicast:
        return "multicast"
    if address.is_private:
        return "private"
    if not address.is_global:
        return "reserved"
    return None


def _allowed(address: IPAddress, networks: Sequence[IPNetwork]) -> bool:
    plain = address
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        plain = address.ipv4_mapped
    return any(address in network or plain in network for network in networks)


def _literal(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def _resolved(host: str, port: int, resolve: Resolver) -> list[IPAddress]:
    try:
        addresses = [ipaddress.ip_address(found) for found in resolve(host, port)]
    except (OSError, ValueError) as exc:
        raise WebhookHostUnresolved(
            f"webhook host {host!r} does not resolve ({exc}); check the name"
        ) from exc
    if not addresses:
        raise WebhookHostUnresolved(f"webhook host {host!r} resolves to no address")
    return addresses


def check_target(
    url: str, allowed: Sequence[IPNetwork], resolve: Resolver = resolve_host
) -> WebhookTarget:
    """The target of ``url`` if every address its host has is public or allowed.

    Raises WebhookTargetRefused (with the address and its kind) or WebhookHostUnresolved.
    """
    parts = urlsplit(url)
    host = parts.hostname
    if parts.scheme not in ("http", "https") or not host:
        raise WebhookTargetRefused(f"webhook URL {url!r} needs http:// or https:// and a host")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise WebhookTargetRefused(f"webhook URL {url!r} has an invalid port") from exc
    literal = _literal(host)
    named = literal is None
    addresses = [literal] if literal is not None else _resolved(host, port, resolve)
    for address in addresses:
        kind = non_public_kind(address)
        if kind is not None and not _allowed(address, allowed):
            where = f"{host} resolves to {address}" if named else str(address)
            raise WebhookTargetRefused(
                f"webhook target refused: {where}, a {kind} address; webhooks may reach it "
                "only if an admin adds its range to the setting webhook_allowed_networks"
            )
    return WebhookTarget(host, port, addresses[0])
