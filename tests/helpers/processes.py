"""payserv as real processes (``python run.py web|worker|serve``) for reliability tests."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import aiohttp

from tests.conftest import TEST_SECRET_KEY

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class PayservProcess:
    """One ``run.py`` child; ``url`` is set for commands that serve HTTP."""

    process: subprocess.Popen[bytes]
    url: str

    def kill(self) -> None:
        """kill -9: no cleanup at all, as when a machine dies."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    async def terminate(self, timeout: float = 60) -> int:
        """SIGTERM, then the exit code."""
        self.process.send_signal(signal.SIGTERM)
        return await asyncio.to_thread(self.process.wait, timeout)


def start_payserv(command: str, dsn: str, **env: str) -> PayservProcess:
    """Start ``python run.py COMMAND`` on ``dsn`` in test mode; ``env`` overrides."""
    port = free_port()
    child_env = {
        **os.environ,
        "DATABASE_URL": dsn,
        # The template database sealed the test merchant's webhook secret with this key.
        "SECRET_KEY": TEST_SECRET_KEY,
        "TEST_MODE": "true",
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "LOG_FORMAT": "json",
        "LOG_LEVEL": "WARNING",
        "WORKER_POLL_INTERVAL": "0.1",
        **env,
    }
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "run.py"), command],
        env=child_env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
    )
    return PayservProcess(process, f"http://127.0.0.1:{port}")


async def wait_serving(child: PayservProcess, timeout: float = 60) -> None:
    """Until ``/health`` answers (any status: a web process alone may be ``degraded``)."""
    deadline = time.monotonic() + timeout
    async with aiohttp.ClientSession() as http:
        while time.monotonic() < deadline:
            if child.process.poll() is not None:
                raise RuntimeError(f"payserv exited with {child.process.returncode}")
            try:
                async with http.get(f"{child.url}/health") as response:
                    if response.status in (200, 503):
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.1)
    raise TimeoutError(f"payserv at {child.url} did not answer in {timeout} s")


@asynccontextmanager
async def running(command: str, dsn: str, **env: str) -> AsyncIterator[PayservProcess]:
    """A started (and, for HTTP commands, serving) payserv; stopped at the end whatever happens."""
    child = start_payserv(command, dsn, **env)
    try:
        if command != "worker":
            await wait_serving(child)
        yield child
    finally:
        if child.process.poll() is None:
            child.process.kill()
            child.process.wait(timeout=10)
