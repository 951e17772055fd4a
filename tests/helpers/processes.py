"""Real payserv processes (``python run.py …``), a receiver and awaited conditions."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

from bench.common import free_port, serve_local
from payserv.database import connect
from payserv.gateway.merchants import TEST_API_KEY, TEST_API_SECRET
from payserv.users import create_user, issue_token
from tests.conftest import TEST_SECRET_KEY
from tests.helpers.db import start_server, stop_server

ROOT = Path(__file__).resolve().parents[2]
MERCHANT = {"X-Api-Key": TEST_API_KEY, "X-Api-Secret": TEST_API_SECRET}
FINAL_EVENTS = frozenset({"payment.success", "payment.failed"})


async def wait_for(
    condition: Callable[[], Awaitable[bool]], what: str, timeout: float, interval: float = 0.1
) -> None:
    """Return once ``condition()`` is true; fail naming ``what`` after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while not await condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout} s: {what}")
        await asyncio.sleep(interval)


@dataclass
class Payserv:
    """One ``python run.py COMMAND`` child; its output goes to ``log``."""

    process: subprocess.Popen[bytes]
    url: str
    log: Path

    def output(self, lines: int = 40) -> str:
        """The end of the child's log, for failure messages."""
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])

    def kill(self) -> None:
        """kill -9: no cleanup at all, as when a machine dies."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def terminate(self) -> None:
        """SIGTERM: payserv's graceful shutdown."""
        self.process.send_signal(signal.SIGTERM)

    async def exit_code(self, timeout: float) -> int:
        """Wait for the child to exit."""
        return await asyncio.to_thread(self.process.wait, timeout)


def start_payserv(command: str, dsn: str, log: Path, **env: str) -> Payserv:
    """Start ``python run.py COMMAND`` on ``dsn`` in test mode; ``env`` overrides."""
    port = free_port()
    child_env = {
        **os.environ,
        "DATABASE_URL": dsn,
        # The tests' template database sealed the test merchant's webhook secret with it.
        "SECRET_KEY": TEST_SECRET_KEY,
        "TEST_MODE": "true",
        "TEST_PROCESSING_DELAY": "0",
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "LOG_FORMAT": "json",
        "LOG_LEVEL": "WARNING",
        "WORKER_POLL_INTERVAL": "0.1",
        "WORKER_HEARTBEAT_INTERVAL": "1",
        **env,
    }
    with log.open("ab") as output:
        process = subprocess.Popen(
            [sys.executable, str(ROOT / "run.py"), command],
            env=child_env,
            cwd=ROOT,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    return Payserv(process, f"http://127.0.0.1:{port}", log)


async def wait_serving(child: Payserv, timeout: float = 60) -> None:
    """Until ``/health`` answers 200 (a ``web`` process alone may be ``degraded``)."""
    async with aiohttp.ClientSession() as http:

        async def answers() -> bool:
            if child.process.poll() is not None:
                raise AssertionError(f"payserv exited early:\n{child.output()}")
            try:
                async with http.get(f"{child.url}/health") as response:
                    return response.status == 200
            except aiohttp.ClientError:
                return False

        await wait_for(answers, f"{child.url}/health answers 200", timeout)


@asynccontextmanager
async def running(command: str, dsn: str, log: Path, **env: str) -> AsyncIterator[Payserv]:
    """A started (and, for HTTP commands, serving) payserv; killed at the end if still up."""
    child = start_payserv(command, dsn, log, **env)
    try:
        if command != "worker":
            await wait_serving(child)
        yield child
    finally:
        if child.process.poll() is None:
            child.process.kill()
            child.process.wait(timeout=10)


@dataclass
class Receiver:
    """The test merchant's webhook endpoint: events per payment, optional slow answers."""

    delay: float = 0.0
    url: str = ""
    events: defaultdict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    calls: int = 0
    answered: int = 0

    async def handle(self, request: web.Request) -> web.Response:
        body = json.loads(await request.read())
        self.calls += 1
        if self.delay:
            await asyncio.sleep(self.delay)
        payment = body["data"].get("payment")
        if payment is not None:
            self.events[payment["id"]].add(body["event"])
        self.answered += 1
        return web.Response(status=200)

    def delivered(self, payment_ids: list[str]) -> bool:
        """Every payment's created, pending and final event arrived at least once."""
        return all(
            {"payment.created", "payment.pending"} <= self.events[p]
            and self.events[p] & FINAL_EVENTS
            for p in payment_ids
        )


@asynccontextmanager
async def receiving(delay: float = 0.0) -> AsyncIterator[Receiver]:
    """A :class:`Receiver` on a free local port, at ``receiver.url``."""
    receiver = Receiver(delay=delay)
    app = web.Application()
    app.router.add_post("/hook", receiver.handle)
    async with serve_local(app) as base_url:
        receiver.url = f"{base_url}/hook"
        yield receiver


async def post_json(
    http: aiohttp.ClientSession, url: str, body: dict[str, Any]
) -> tuple[int, dict[str, Any]]:
    """(status, JSON body) of a POST; connection errors propagate."""
    async with http.post(url, json=body) as response:
        return response.status, await response.json(content_type=None)


async def create_payment(http: aiohttp.ClientSession, url: str, amount: int, vpa: str) -> str:
    """A new order and a UPI payment for it (merchant headers on ``http``): the payment id."""
    status, order = await post_json(http, f"{url}/api/v1/orders", {"amount": amount})
    assert status == 201, order
    body = {"order_id": order["id"], "method": "upi", "vpa": vpa}
    status, payment = await post_json(http, f"{url}/api/v1/payments", body)
    assert status == 201, payment
    return str(payment["id"])


async def user_headers(dsn: str, username: str, *, superuser: bool = False) -> dict[str, str]:
    """A new user on ``dsn`` and an ``Authorization`` header a payserv child accepts."""
    conn = await connect(dsn)
    try:
        user = await create_user(conn, username, f"password-{username}", superuser=superuser)
    finally:
        await conn.close()
    return {"Authorization": f"Token {issue_token(user, TEST_SECRET_KEY, 3600)}"}


@asynccontextmanager
async def database_down(server: Any, seconds: float) -> AsyncIterator[None]:
    """Postgres stopped for about ``seconds`` s; the block runs while it is down."""
    await asyncio.to_thread(stop_server, server)
    stopped = time.monotonic()
    try:
        yield
    finally:
        # The outage itself lasts a while, so that jobs and the worker run into it.
        await asyncio.sleep(max(0.0, seconds - (time.monotonic() - stopped)))
        await asyncio.to_thread(start_server, server)
