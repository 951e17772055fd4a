"""The outbound address policy (DESIGN §2): which hosts a merchant-set URL may reach."""

from __future__ import annotations

import ipaddress
import socket

import pytest
from aiohttp.abc import AbstractResolver, ResolveResult
from yarl import URL

from payserv.gateway.delivery import GuardedResolver
from payserv.gateway.outbound import RefusedAddressError, refusal, valid_host

REFUSED = [
    "127.0.0.1",
    "127.255.255.254",
    "10.0.0.1",
    "172.16.0.1",
    "192.168.0.1",
    "169.254.169.254",
    "0.0.0.0",
    "100.64.0.1",
    "224.0.0.1",
    "240.0.0.1",
    "255.255.255.255",
    "::1",
    "::",
    "fd00::1",
    "fe80::1",
    "fe80::1%eth0",
    "ff02::1",
    "::ffff:127.0.0.1",
    "::ffff:169.254.169.254",
    "::ffff:10.0.0.1",
    "2002:7f00:1::1",  # 6to4 of 127.0.0.1
    "64:ff9b::7f00:1",  # NAT64 of 127.0.0.1
]
PUBLIC = ["93.184.215.14", "8.8.8.8", "2606:4700::1111", "::ffff:8.8.8.8"]


@pytest.mark.parametrize("address", REFUSED)
def test_private_addresses_are_refused(address: str) -> None:
    parsed = ipaddress.ip_address(address)
    reason = refusal(parsed)
    assert reason is not None and reason.startswith(str(parsed))


@pytest.mark.parametrize("address", PUBLIC)
def test_public_addresses_pass(address: str) -> None:
    assert refusal(ipaddress.ip_address(address)) is None


@pytest.mark.parametrize(
    "url",
    [
        "http://exa mple.com/",
        "http://0x7f.1/",
        "http://0x7f/",
        "http://2130706433/",
        "http://0177.0.0.1/",
        "http://127.1/",
        "http://a_b.example/",
        "http://-a.example/",
        "http://a-.example/",
        "http://" + "a" * 64 + ".example/",
        "http://%65xample.com/",
    ],
)
def test_hosts_not_valid_as_written(url: str) -> None:
    assert not valid_host(URL(url))


@pytest.mark.parametrize(
    "url",
    [
        "https://example.com/x",
        "https://EXAMPLE.com./",
        "https://bücher.example/",
        "https://0x7f.example/",
        "http://10.0.0.1/",
        "http://[fd00::1]/",
    ],
)
def test_hosts_valid_as_written(url: str) -> None:
    assert valid_host(URL(url))


class _FixedResolver(AbstractResolver):
    """Answers every name with fixed addresses, as a rebinding DNS server would."""

    def __init__(self, *addresses: str) -> None:
        self.addresses = addresses

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        return [
            ResolveResult(hostname=host, host=a, port=port, family=family, proto=0, flags=0)
            for a in self.addresses
        ]

    async def close(self) -> None:
        return None


async def test_guarded_resolver_refuses_a_name_with_any_private_address() -> None:
    resolver = GuardedResolver(_FixedResolver("93.184.215.14", "169.254.169.254"))
    with pytest.raises(RefusedAddressError, match=r"rebind\.example resolves to 169\.254"):
        await resolver.resolve("rebind.example", 80)


async def test_guarded_resolver_passes_public_answers() -> None:
    resolver = GuardedResolver(_FixedResolver("93.184.215.14", "2606:4700::1111"))
    results = await resolver.resolve("public.example", 443)
    assert [r["host"] for r in results] == ["93.184.215.14", "2606:4700::1111"]


async def test_guarded_resolver_on_the_real_resolver_refuses_localhost() -> None:
    with pytest.raises(RefusedAddressError, match="loopback"):
        await GuardedResolver().resolve("localhost", 80)
