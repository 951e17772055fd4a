"""A status API the test scripts: each call takes the next answer from a list."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

Answer = int | str  # an HTTP status, or "completed"/"failed"/"pending"/..., "non_json", "slow"


@dataclass
class StatusServer:
    """Answers in order; the last answer repeats. Records each call's time and body."""

    answers: list[Answer]
    slow_seconds: float = 1.0
    calls: list[tuple[float, dict[str, Any]]] = field(default_factory=list)
    url: str = ""

    async def handle(self, request: web.Request) -> web.Response:
        self.calls.append((time.monotonic(), await request.json()))
        answer = self.answers[min(len(self.calls), len(self.answers)) - 1]
        if answer == "slow":
            await asyncio.sleep(self.slow_seconds)
            return web.json_response({"payment_status": "completed"})
        if answer == "non_json":
            return web.Response(text="oops")
        if isinstance(answer, int):
            return web.json_response({"error": "x"}, status=answer)
        return web.json_response({"payment_status": answer})


StatusServerFactory = Callable[..., Awaitable[StatusServer]]


@pytest.fixture
def status_server(aiohttp_server: Callable[..., Awaitable[TestServer]]) -> StatusServerFactory:
    async def start(*answers: Answer, slow_seconds: float = 1.0) -> StatusServer:
        server = StatusServer(list(answers), slow_seconds)
        app = web.Application()
        app.router.add_post("/status", server.handle)
        started = await aiohttp_server(app)
        server.url = str(started.make_url("/status"))
        return server

    return start
