"""Shared plumbing of the end-to-end benchmarks in ``bench/``.

Small API (all async context managers yield strings):

- ``bench_server()`` -> DSN of a server where databases may be created: ``DATABASE_URL``
  if set, else an embedded PostgreSQL in a temporary directory (deleted afterwards).
- ``bench_database(server_dsn=None)`` -> DSN of a fresh, empty database on ``server_dsn``
  (or on ``bench_server()``'s), dropped afterwards.
- ``payserv_server(dsn, commands=("serve",), **env)`` -> base URL of ``python run.py serve``
  (or e.g. ``web`` + two ``worker``s) on a free port, started with ``DATABASE_URL=dsn`` plus
  ``env`` (e.g. ``TEST_MODE="true"``); it migrates the database itself, and is ready once
  ``/health`` answers 200 with a running worker.
- ``free_port()``, ``percentiles(values)`` -> ``{"p50": …, "p99": …}`` (nearest rank),
  ``latency_ms(values)`` -> ``{"p50_ms": …, "p99_ms": …}`` rounded,
  ``run_concurrently(count, concurrency, call)`` -> (calls/s, latencies in ms).
"""

from __future__ import annotations

import asyncio
import math
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
from aiohttp import web

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.helpers.db import start_embedded_server, with_database  # noqa: E402

BENCH_SECRET_KEY = "bench-secret-key-not-for-production-0000000"


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def percentiles(values: Iterable[float], points: Iterable[int] = (50, 99)) -> dict[str, float]:
    """Nearest-rank percentiles of ``values``, keyed ``p50``, ``p99``…"""
    ordered = sorted(values)
    if not ordered:
        return {f"p{p}": math.nan for p in points}
    return {f"p{p}": ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)] for p in points}


def latency_ms(latencies: Iterable[float]) -> dict[str, float]:
    """p50/p99 of latencies in milliseconds, keyed ``p50_ms``/``p99_ms``, rounded."""
    return {f"{key}_ms": round(value, 2) for key, value in percentiles(latencies).items()}


# Each rate next to its baseline is measured this many times, alternating with it: the
# machine's speed drifts within minutes, so one run of each could compare two speeds.
ROUNDS = 3


def median_run(runs: list[dict[str, Any]], rate: str) -> dict[str, Any]:
    """The run whose ``rate`` is the median of ``runs`` (its latencies go with it)."""
    ordered = sorted(runs, key=lambda run: float(run[rate]))
    return {**ordered[len(ordered) // 2], "rounds": len(runs)}


async def run_concurrently(
    count: int, concurrency: int, call: Callable[[int], Awaitable[None]]
) -> tuple[float, list[float]]:
    """(calls/s, latencies in ms) of ``call(i)`` for i < ``count``, ``concurrency`` at a time."""
    latencies: list[float] = []
    next_index = iter(range(count))

    async def worker() -> None:
        for index in next_index:
            started = time.perf_counter()
            await call(index)
            latencies.append((time.perf_counter() - started) * 1000)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return count / (time.perf_counter() - started), latencies


@asynccontextmanager
async def bench_server() -> AsyncIterator[str]:
    """DATABASE_URL's server, or a throw-away embedded one (deleted afterwards)."""
    external = os.environ.get("DATABASE_URL")
    if external:
        yield external
        return
    with tempfile.TemporaryDirectory(prefix="payserv-bench-") as tmp:
        server = await asyncio.to_thread(start_embedded_server, Path(tmp) / "pgdata")
        try:
            yield server.get_uri()
        finally:
            await asyncio.to_thread(server.cleanup)


@asynccontextmanager
async def bench_database(server_dsn: str | None = None) -> AsyncIterator[str]:
    """A fresh database on ``server_dsn``, else on :func:`bench_server`'s server."""
    if server_dsn is not None:
        async with _fresh_database(server_dsn) as dsn:
            yield dsn
        return
    async with bench_server() as server, _fresh_database(server) as dsn:
        yield dsn


@asynccontextmanager
async def _fresh_database(server_dsn: str) -> AsyncIterator[str]:
    name = f"bench_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(server_dsn)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    try:
        yield with_database(server_dsn, name)
    finally:
        admin = await asyncpg.connect(server_dsn)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()


@asynccontextmanager
async def payserv_server(
    dsn: str, *, commands: Sequence[str] = ("serve",), **env: str
) -> AsyncIterator[str]:
    """payserv subprocesses on ``dsn``; yields the base URL, SIGTERMs them after.

    ``commands``: one process per entry; the first serves HTTP (``serve`` or ``web``), the
    others are e.g. ``worker``s. They share one ``SECRET_KEY``; migrating at once is safe.
    """
    port = free_port()
    child_env = {
        **os.environ,
        "DATABASE_URL": dsn,
        "SECRET_KEY": BENCH_SECRET_KEY,
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "LOG_LEVEL": "WARNING",
        "LOG_FORMAT": "json",
        **env,
    }
    procs = [
        subprocess.Popen(
            [sys.executable, str(ROOT / "run.py"), command],
            env=child_env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
        )
        for command in commands
    ]
    base_url = f"http://127.0.0.1:{port}"
    try:
        await _wait_healthy(base_url, procs)
        yield base_url
    finally:
        for proc in procs:
            proc.send_signal(signal.SIGTERM)
        for proc in procs:
            try:
                await asyncio.to_thread(proc.wait, 30)
            except subprocess.TimeoutExpired:
                proc.kill()


async def _wait_healthy(
    base_url: str, procs: list[subprocess.Popen[bytes]], timeout: float = 60
) -> None:
    deadline = time.monotonic() + timeout
    async with aiohttp.ClientSession() as http:
        while time.monotonic() < deadline:
            for proc in procs:
                if proc.poll() is not None:
                    raise RuntimeError(
                        f"payserv {proc.args!r} exited with {proc.returncode} before it was healthy"
                    )
            try:
                async with http.get(f"{base_url}/health") as resp:
                    body = await resp.json()
                    if resp.status == 200 and body.get("worker") == "running":
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.2)
    raise TimeoutError(f"payserv at {base_url} not healthy after {timeout} s")


@asynccontextmanager
async def serve_local(app: web.Application) -> AsyncIterator[str]:
    """Serve ``app`` on a free local port for the block; yields its base URL."""
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=1)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()
