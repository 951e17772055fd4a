"""A delivery cancelled while its connection is being released, as the database dies, leaves
no "Task exception was never retrieved" behind (issue 12, item 3)."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from typing import Any

import asyncpg
import pytest

from payserv.database import pooled_connection
from tests.integration.gateway_webhooks.conftest import wait_for


class _Proxy:
    """A TCP relay in front of Postgres that can stall, then cut every connection."""

    def __init__(self, upstream: str | tuple[str, int]) -> None:
        self.upstream = upstream
        self.stalled = False
        self.client_wrote_while_stalled = asyncio.Event()
        self.writers: list[asyncio.StreamWriter] = []
        self.server: asyncio.Server | None = None

    async def start(self) -> int:
        self.server = await asyncio.start_server(self._relay, "127.0.0.1", 0)
        return int(self.server.sockets[0].getsockname()[1])

    async def _relay(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if isinstance(self.upstream, str):
            up_reader, up_writer = await asyncio.open_unix_connection(self.upstream)
        else:
            up_reader, up_writer = await asyncio.open_connection(*self.upstream)
        self.writers += [writer, up_writer]
        await asyncio.gather(
            self._pipe(reader, up_writer, from_client=True),
            self._pipe(up_reader, writer, from_client=False),
            return_exceptions=True,
        )

    async def _pipe(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, *, from_client: bool
    ) -> None:
        while data := await reader.read(65536):
            if self.stalled:  # a network that stopped answering: nothing gets through
                if from_client:
                    self.client_wrote_while_stalled.set()
                continue
            writer.write(data)
            await writer.drain()
        writer.close()

    def cut(self) -> None:
        for writer in self.writers:
            writer.transport.abort()

    async def close(self) -> None:
        self.cut()
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()


async def _other_tasks_done() -> bool:
    return all(t.done() for t in asyncio.all_tasks() if t is not asyncio.current_task())


async def test_cancel_during_a_failing_release_leaves_no_unretrieved_exception(
    dsn: str, caplog: pytest.LogCaptureFixture
) -> None:
    probe = await asyncpg.connect(dsn)
    upstream = probe._addr  # where Postgres listens: a socket path or (host, port)
    await probe.close()
    proxy = _Proxy(upstream)
    port = await proxy.start()
    pool = await asyncpg.create_pool(
        dsn, host="127.0.0.1", port=port, ssl=False, min_size=0, max_size=1
    )
    loop = asyncio.get_running_loop()
    unretrieved: list[dict[str, Any]] = []
    loop.set_exception_handler(lambda _loop, context: unretrieved.append(context))

    async def job() -> None:
        async with pooled_connection(pool) as conn:
            await conn.fetchval("SELECT 1")
            proxy.stalled = True  # the reset that releasing sends will get no answer

    try:
        with caplog.at_level(logging.WARNING):
            task = asyncio.create_task(job())
            await asyncio.wait_for(proxy.client_wrote_while_stalled.wait(), 10)
            task.cancel()  # as a worker shutting down aborts its running jobs
            with contextlib.suppress(asyncio.CancelledError):
                await task
            proxy.cut()  # the database is gone: the pending reset fails
            await wait_for(_other_tasks_done)
            gc.collect()
    finally:
        loop.set_exception_handler(None)
        pool.terminate()
        await proxy.close()
    assert unretrieved == []
    # The release did fail, and said so in the log instead.
    assert any("db_connection_release_failed" in r.getMessage() for r in caplog.records)
