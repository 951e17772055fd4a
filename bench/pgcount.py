"""A TCP relay in front of PostgreSQL that counts the statements its clients send.

The embedded PostgreSQL has no pg_stat_statements, so the benchmark puts this relay between
payserv and the server and counts, on the wire, what ``log_statement=all`` would log: one per
simple-protocol Query message ('Q': asyncpg's ``execute`` without arguments, such as the reset
on release) and one per extended-protocol Execute message ('E': every prepared statement run).
"""

from __future__ import annotations

import asyncio
import struct
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import urlsplit, urlunsplit

import asyncpg

# Requests a client may send before its startup message (SSL, GSS encryption): untyped.
_PRE_STARTUP_CODES = {80877103, 80877104}
_COUNTED = {ord("Q"), ord("E")}


class StatementCounter:
    """The relay's count of statements received from its clients, since it started."""

    def __init__(self) -> None:
        self.statements = 0


class _ClientStream:
    """Reads one client's messages as they pass, counting Query and Execute by their header."""

    def __init__(self, counter: StatementCounter) -> None:
        self.counter = counter
        self.head = b""  # the start of a header split across reads
        self.skip = 0  # bytes left of the message being passed over
        self.in_startup = True

    def feed(self, data: bytes) -> None:
        data, self.head = self.head + data, b""
        pos = 0
        while pos < len(data):
            if self.skip:
                step = min(self.skip, len(data) - pos)
                pos, self.skip = pos + step, self.skip - step
                continue
            header = 8 if self.in_startup else 5
            if len(data) - pos < header:
                self.head = data[pos:]
                return
            if self.in_startup:
                self.skip, code = struct.unpack_from("!ii", data, pos)
                self.in_startup = code in _PRE_STARTUP_CODES
            else:
                if data[pos] in _COUNTED:
                    self.counter.statements += 1
                self.skip = 1 + struct.unpack_from("!i", data, pos + 1)[0]


async def _pipe(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, stream: _ClientStream | None
) -> None:
    try:
        while data := await reader.read(65536):
            if stream is not None:
                stream.feed(data)
            writer.write(data)
            await writer.drain()
    except (ConnectionError, asyncio.CancelledError):
        pass
    finally:
        writer.close()


async def _upstream_address(dsn: str) -> str | tuple[str, int]:
    probe = await asyncpg.connect(dsn)
    try:
        address: str | tuple[str, int] = probe._addr
    finally:
        await probe.close()
    return address


@asynccontextmanager
async def counting_relay(dsn: str) -> AsyncIterator[tuple[str, StatementCounter]]:
    """A relay to ``dsn``'s server: (a DSN through it, its counter)."""
    upstream = await _upstream_address(dsn)
    counter = StatementCounter()

    async def relay(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if isinstance(upstream, str):
            up_reader, up_writer = await asyncio.open_unix_connection(upstream)
        else:
            up_reader, up_writer = await asyncio.open_connection(*upstream)
        await asyncio.gather(
            _pipe(reader, up_writer, _ClientStream(counter)),
            _pipe(up_reader, writer, None),
        )

    server = await asyncio.start_server(relay, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield _through(dsn, port), counter
    finally:
        server.close()
        await server.wait_closed()


def _through(dsn: str, port: int) -> str:
    """``dsn`` aimed at 127.0.0.1:``port`` (no socket-directory ``host=``), without SSL."""
    parts = urlsplit(dsn)
    auth = parts.netloc.rpartition("@")[0]
    netloc = f"{auth}@127.0.0.1:{port}" if auth else f"127.0.0.1:{port}"
    return urlunsplit((parts.scheme, netloc, parts.path, "sslmode=disable", ""))
