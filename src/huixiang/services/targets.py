"""Where a group robot may post: addresses on the public internet only. A school admin sets the
robot's URL; without this check the worker would post, from inside the network, to whatever
they name (127.0.0.1, the database, a cloud metadata service at 169.254.169.254).

Checked twice: when the URL is set (its literal address, `localhost`), and at every send after
resolving the name, on the very address then connected to (channels.WebhookChannel), so a name
that resolves elsewhere the second time (DNS rebinding) changes nothing.

`HUIXIANG_WEBHOOK_ALLOWED_NETWORKS` lets chosen networks through: for the tests, whose robot
receiver listens on 127.0.0.1, and for a robot service deliberately run inside your network."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from ..settings import Networks, parse_networks

__all__ = ["Networks", "parse_networks"]

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], Awaitable[list[str]]]

NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


class TargetRefused(Exception):
    """The robot's address is not one the worker may post to; the message says why."""


def _embedded(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one stands for (mapped, 6to4, Teredo, NAT64), if any."""
    if ip.ipv4_mapped or ip.sixtofour:
        return ip.ipv4_mapped or ip.sixtofour
    if ip.teredo:
        return ip.teredo[1]
    if ip in NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def _kind(ip: IPAddress) -> str | None:
    """Why an address is not on the public internet, or None when it is."""
    if isinstance(ip, ipaddress.IPv6Address) and (inner := _embedded(ip)) is not None:
        return _kind(inner)
    for kind, flag in [
        ("loopback", ip.is_loopback),
        ("link-local", ip.is_link_local),
        ("multicast", ip.is_multicast),
        ("unspecified", ip.is_unspecified),
        ("reserved", ip.is_reserved),
        ("private", ip.is_private),
        ("non-public", not ip.is_global),
    ]:
        if flag:
            return kind
    return None


def _refused_kind(address: str, allowed: Networks) -> str | None:
    ip = ipaddress.ip_address(address.split("%", 1)[0])  # drop an IPv6 zone
    if any(ip in network for network in allowed):
        return None
    return _kind(ip)


def refusal(address: str, allowed: Networks = ()) -> str | None:
    """The sentence refusing `address`, or None when a robot may be posted to there."""
    kind = _refused_kind(address, allowed)
    return None if kind is None else f"its address {address} is {kind}, not on the public internet"


def literal_address(host: str) -> str | None:
    """The address a host names by itself (`127.1` and `2130706433` included), no DNS asked."""
    try:
        infos = socket.getaddrinfo(host, None, flags=socket.AI_NUMERICHOST)
    except (socket.gaierror, UnicodeError):
        return None
    return str(infos[0][4][0])


# Why a robot URL is refused, by code (the pages say each in Chinese) and in the API's words.
FAULTS = {
    "scheme": "must be an http:// or https:// address",
    "credentials": "must not carry a user name or password",
    "port": "has an invalid port",
}


@dataclass(frozen=True, slots=True)
class UrlFault:
    code: str  # a key of FAULTS, or "address" (then `address` and `kind` say which and why)
    address: str = ""
    kind: str = ""

    @property
    def words(self) -> str:
        """The words after "`…url` " in the API's error."""
        if self.code == "address":
            return f"is refused: its address {self.address} is {self.kind}, not on the public internet"
        return FAULTS[self.code]


def url_fault(url: str, allowed: Networks = ()) -> UrlFault | None:
    """What is wrong with a robot URL before any DNS, or None."""
    parts = urlsplit(url.strip())
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        return UrlFault("scheme")
    if parts.username is not None or parts.password is not None:
        return UrlFault("credentials")
    try:
        parts.port  # noqa: B018 - raises ValueError for a port out of range
    except ValueError:
        return UrlFault("port")
    host = parts.hostname.rstrip(".").lower()
    local = host == "localhost" or host.endswith(".localhost")  # this machine, whatever DNS says
    address = "127.0.0.1" if local else literal_address(host)
    kind = None if address is None else _refused_kind(address, allowed)
    return None if kind is None or address is None else UrlFault("address", address, kind)


def url_problem(url: str, allowed: Networks = ()) -> str | None:
    """What is wrong with a robot URL before any DNS: the words after "`…url` ", or None."""
    fault = url_fault(url, allowed)
    return None if fault is None else fault.words


async def system_resolver(host: str, port: int) -> list[str]:
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


async def public_address(host: str, port: int, allowed: Networks, resolve: Resolver) -> str:
    """The one address to connect to for `host`: every address it resolves to must be allowed
    (one refused is enough to refuse: the answer is the attacker's to order)."""
    literal = literal_address(host)
    addresses = [literal] if literal else await resolve(host, port)
    if not addresses:
        raise OSError("no address for the robot's host")
    for address in addresses:
        if (reason := refusal(address, allowed)) is not None:
            raise TargetRefused(reason)
    return addresses[0]
