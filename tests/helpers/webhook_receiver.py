"""A local webhook receiver for tests, and a poll-until helper."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer


@dataclass
class Received:
    """One request the receiver got: raw body, headers, arrival time."""

    body: bytes
    headers: dict[str, str]
    at: float


@dataclass
class Receiver:
    """A webhook endpoint that fails its first ``fail_first`` calls with a 500."""

    url: str = ""
    fail_first: int = 0
    calls: list[Received] = field(default_factory=list)
    arrived: asyncio.Condition = field(default_factory=asyncio.Condition)

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        async with self.arrived:
            self.calls.append(Received(body, dict(request.headers), time.monotonic()))
            self.arrived.notify_all()
        if len(self.calls) <= self.fail_first:
            return web.Response(status=500)
        return web.Response(status=200)

    async def wait_calls(self, n: int, timeout: float = 15.0) -> list[Received]:
        async with self.arrived:
            await asyncio.wait_for(self.arrived.wait_for(lambda: len(self.calls) >= n), timeout)
        return self.calls


async def start_receiver(
    aiohttp_server: Callable[..., Awaitable[TestServer]], fail_first: int = 0
) -> Receiver:
    """A running receiver at ``.url``, failing its first ``fail_first`` calls."""
    receiver = Receiver(fail_first=fail_first)
    app = web.Application()
    app.router.add_post("/hook", receiver.handle)
    server = await aiohttp_server(app)
    receiver.url = str(server.make_url("/hook"))
    return receiver


async def wait_until(
    check: Callable[[], Awaitable[Any]], timeout: float = 15.0, interval: float = 0.05
) -> Any:
    """Poll ``check`` until it returns something truthy (a job's effect is awaited)."""
    deadline = time.monotonic() + timeout
    while True:
        value = await check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError("condition not met in time")
        await asyncio.sleep(interval)
