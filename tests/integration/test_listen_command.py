"""``run.py listen``: a local receiver that verifies both signature schemes (DESIGN §8a)."""

from __future__ import annotations

import asyncio
import os
import queue
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import pytest

from bench.common import free_port
from payserv.gateway.merchants import TEST_WEBHOOK_SECRET
from payserv.gateway.signing import signature_headers
from tests.conftest import AppFactory
from tests.helpers.cli import run_cli
from tests.helpers.webhook_receiver import wait_until
from tests.integration.gateway.conftest import successful_payment
from tests.integration.gateway_webhooks.conftest import set_webhook_url

BODY = b'{"event":"payment.success","timestamp":1,"data":{"payment":{"id":"pay_1"}}}'


class Listener:
    """``run.py listen`` as a subprocess; its stdout lines arrive on ``lines``."""

    def __init__(self, repo_root: Path, port: int) -> None:
        self.url = f"http://127.0.0.1:{port}/hook"
        self.process = subprocess.Popen(
            [sys.executable, "run.py", "listen", "--port", str(port)],
            cwd=repo_root,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line.rstrip("\n"))

    def next_line(self, timeout: float = 30) -> str:
        return self.lines.get(timeout=timeout)


@pytest.fixture
def listener(repo_root: Path) -> Iterator[Listener]:
    started = Listener(repo_root, free_port())
    try:
        assert started.next_line().startswith("listening on "), "run.py listen did not start"
        yield started
    finally:
        started.process.terminate()
        assert started.process.wait(timeout=30) == 0


def _post(url: str, body: bytes, headers: dict[str, str]) -> int:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return error.code


def test_signed_webhook_is_verified_and_a_forged_one_refused(listener: Listener) -> None:
    headers = signature_headers(TEST_WEBHOOK_SECRET, "msg_good", int(time.time()), BODY)
    assert _post(listener.url, BODY, headers) == 200
    line = listener.next_line()
    assert "payment.success" in line and "id=msg_good" in line
    assert "X-Webhook-Signature=yes" in line and "webhook-signature=yes" in line

    forged = signature_headers("whsec_not_the_secret", "msg_bad", int(time.time()), BODY)
    assert _post(listener.url, BODY, forged) == 400
    line = listener.next_line()
    assert "id=msg_bad" in line
    assert "X-Webhook-Signature=no" in line and "webhook-signature=no" in line


def test_a_stale_standard_webhooks_timestamp_is_refused(listener: Listener) -> None:
    headers = signature_headers(TEST_WEBHOOK_SECRET, "msg_old", int(time.time()) - 3600, BODY)
    headers.pop("X-Webhook-Signature")
    assert _post(listener.url, BODY, headers) == 400
    line = listener.next_line()
    assert "X-Webhook-Signature=absent" in line and "webhook-signature=no" in line


def test_port_in_use_is_one_clear_line(repo_root: Path, listener: Listener) -> None:
    port = listener.url.split(":")[2].split("/")[0]
    result = run_cli(repo_root, "listen", "--port", port, env={})
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [result.stderr.strip()]
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr


async def test_payserv_delivers_a_payment_webhook_to_it(
    start_app: AppFactory, db: asyncpg.Connection, listener: Listener
) -> None:
    await set_webhook_url(db, listener.url)
    client = await start_app()
    payment = await successful_payment(client)
    seen: list[str] = []
    while not any("payment.success" in line for line in seen):
        seen.append(await asyncio.to_thread(listener.next_line))
    line = next(line for line in seen if "payment.success" in line)
    assert "X-Webhook-Signature=yes" in line and "webhook-signature=yes" in line
    assert line.endswith("-> 200")
    assert payment["id"] in await db.fetchval(
        "SELECT convert_from(body, 'UTF8') FROM webhook_deliveries WHERE event = 'payment.success'"
    )
    # payserv took the 200 as delivered.
    await wait_until(
        lambda: db.fetchval(
            "SELECT status = 'success' FROM webhook_deliveries WHERE event = 'payment.success'"
        )
    )
