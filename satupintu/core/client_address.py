"""The client's address, computed in one place for rate limits, the login lock-out and logs.

The direct peer (`REMOTE_ADDR`, what the socket says) is the client unless it is one of the
reverse proxies listed in `FORWARDED_ALLOW_IPS`. Only then is the proxy header
(`FORWARDED_FOR_HEADER`: `X-Forwarded-For` or the standard `Forwarded`) read, from the right:
every hop a trusted proxy vouches for is followed until the first address that is not a trusted
proxy itself. Entries further left were written by the client and prove nothing, so a client
cannot pick its own address by sending the header. The web server must hand the real peer to
the application (uvicorn runs with `--no-proxy-headers`): see docs/ARCHITECTURE.md.
"""

from __future__ import annotations

import ipaddress
import re
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

# What a request without a usable peer address (a test client, a Unix socket) counts as.
UNKNOWN_PEER = "0.0.0.0"
_FORWARDED_FOR = re.compile(r'(?:^|;)\s*for\s*=\s*("[^"]*"|[^;,\s]*)', re.IGNORECASE)


@lru_cache(maxsize=8)
def _trusted_networks(entries: tuple[str, ...]) -> tuple[IPNetwork, ...]:
    return tuple(ipaddress.ip_network(entry, strict=False) for entry in entries)


def trusted_proxy_networks() -> tuple[IPNetwork, ...]:
    """The networks of `FORWARDED_ALLOW_IPS` (addresses or CIDR blocks); empty: trust none."""
    return _trusted_networks(tuple(settings.FORWARDED_ALLOW_IPS))


def parse_address(raw: str) -> IPAddress | None:
    """An address from a socket or a proxy header (`1.2.3.4`, `1.2.3.4:80`, `[::1]:80`, `::1`);
    None for anything else, such as `unknown` or an obfuscated identifier."""
    value = raw.strip().strip('"').strip()
    if value.startswith("["):
        value = value[1 : value.find("]")] if "]" in value else ""
    elif value.count(":") == 1:
        value = value.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _forwarded_chain(request: HttpRequest) -> list[str]:
    """The header's hops, left (the original client, as claimed) to right (the last proxy)."""
    if settings.FORWARDED_FOR_HEADER == "forwarded":
        values = request.headers.get("Forwarded", "")
        chain = []
        for element in values.split(","):
            match = _FORWARDED_FOR.search(element)
            chain.append(match.group(1) if match else "")
        return chain if values.strip() else []
    values = request.headers.get("X-Forwarded-For", "")
    return values.split(",") if values.strip() else []


def _is_trusted(address: IPAddress, networks: tuple[IPNetwork, ...]) -> bool:
    return any(address in network for network in networks)


def client_ip(request: HttpRequest) -> str:
    """The address of the client that sent `request` (see the module's docstring)."""
    peer = parse_address(request.META.get("REMOTE_ADDR") or "")
    if peer is None:
        return UNKNOWN_PEER
    networks = trusted_proxy_networks()
    client = peer
    if not networks or not _is_trusted(peer, networks):
        return str(client)
    for hop in reversed(_forwarded_chain(request)):
        address = parse_address(hop)
        if address is None:
            # A hop that is not an address: stop at the last proxy we could vouch for.
            break
        client = address
        if not _is_trusted(address, networks):
            break
    return str(client)
