"""Where URLs that merchants set may send our requests (DESIGN §2): public addresses only.

Our servers POST to a merchant's ``webhook_url`` and record the status code, so without this
policy a merchant could probe the private network (cloud metadata at 169.254.169.254, a
database on 127.0.0.1:5432) and read the answers in the delivery log. The URL is checked when
it is set, and the addresses a delivery actually connects to are checked again, because DNS
may answer differently by then (rebinding): the delivery client's resolver
(:class:`payserv.gateway.delivery.GuardedResolver`) applies this same policy.
"""

from __future__ import annotations

import asyncio
import ipaddress
import re
import socket

from yarl import URL

from payserv.errors import PayservError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

RESOLVE_TIMEOUT = 5.0
_LABEL = re.compile(r"(?!-)[a-z0-9-]{1,63}(?<!-)")
# inet_aton() reads "2130706433", "127.1", "0x7f.1" and "0177.0.0.1" as 127.0.0.1: a name
# whose last label is a number is an address in disguise, never a host name.
_NUMERIC_LABEL = re.compile(r"[0-9]+|0x[0-9a-f]*")
_KINDS = (
    ("is_unspecified", "an unspecified"),
    ("is_loopback", "a loopback"),
    ("is_link_local", "a link-local"),
    ("is_multicast", "a multicast"),
    ("is_private", "a private"),
    ("is_reserved", "a reserved"),
)


class RefusedAddressError(PayservError, OSError):
    """The host is or resolves to an address that outbound requests may not reach.

    An OSError too: raised in the resolver, it reaches us as ``ClientConnectorError.os_error``.
    """


def valid_host(url: URL) -> bool:
    """Whether ``url``'s host is an IP address or a host name that is valid as written."""
    if url.host is None or url.raw_host is None:
        return False
    if _address(url.host) is not None:
        return True
    name = url.raw_host.lower().removesuffix(".")
    labels = name.split(".")
    return (
        len(name) <= 253
        and all(_LABEL.fullmatch(label) for label in labels)
        and not _NUMERIC_LABEL.fullmatch(labels[-1])
    )


def refusal(address: IPAddress) -> str | None:
    """Why requests may not go to ``address`` ("127.0.0.1 is a loopback address"), or None."""
    checked: IPAddress = address
    if isinstance(address, ipaddress.IPv6Address):
        # ::ffff:127.0.0.1 and 2002:7f00:1:: (6to4) reach the IPv4 address they carry.
        checked = address.ipv4_mapped or address.sixtofour or address
    shown = str(address) if checked is address else f"{address} ({checked})"
    for attribute, kind in _KINDS:
        if getattr(checked, attribute):
            return f"{shown} is {kind} address"
    if not checked.is_global:  # e.g. 100.64.0.0/10, carrier-grade NAT
        return f"{shown} is not a public address"
    return None


def literal_refusal(url: URL) -> str | None:
    """The refusal of ``url``'s host when it is an IP address (no DNS lookup), else None."""
    address = _address(url.host or "")
    return None if address is None else refusal(address)


def connect_refusal(url: URL) -> str | None:
    """What a request through the delivery client's session must check first: the host as written.

    The session's resolver checks names; aiohttp never resolves an IP-address host.
    """
    if not valid_host(url):
        return f"{url.raw_host} is not a host name as written"
    return literal_refusal(url)


async def url_refusal(url: URL) -> str | None:
    """Why ``url``'s host is refused: it is, or its name resolves to, a refused address."""
    if url.host is None or _address(url.host) is not None:
        return literal_refusal(url)
    try:
        async with asyncio.timeout(RESOLVE_TIMEOUT):
            infos = await asyncio.get_running_loop().getaddrinfo(
                url.raw_host, url.port, type=socket.SOCK_STREAM
            )
    except (OSError, TimeoutError):
        return None  # a name that does not resolve reaches nothing; deliveries check again
    return first_refusal(url.host, [str(info[4][0]) for info in infos])


def first_refusal(host: str, addresses: list[str]) -> str | None:
    """The refusal of the first refused address ``host`` resolves to, or None."""
    for text in addresses:
        address = _address(text)
        reason = "does not resolve to an IP address" if address is None else refusal(address)
        if reason is not None:
            return f"{host} resolves to {text}: {reason}"
    return None


def _address(text: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None
