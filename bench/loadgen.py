"""A load generator that costs as little CPU as possible: keep-alive HTTP/1.1 over raw streams.

On a 2-core machine the client shares the CPU with payserv and Postgres; aiohttp's client
spends about as much per request as the server does, so an aiohttp-driven figure measures
the client too. Like ``wrk``, this client writes pre-encoded requests and reads only the
status line, the headers and ``Content-Length`` bytes of body — enough for payserv, whose
JSON responses always carry a length.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from yarl import URL

Stream = tuple[asyncio.StreamReader, asyncio.StreamWriter]


class LoadClient:
    """``connections`` keep-alive connections to one server; a request borrows one."""

    def __init__(self, base_url: str, idle: asyncio.Queue[Stream]) -> None:
        self._host = URL(base_url).raw_host or "127.0.0.1"
        self._idle = idle

    async def post_json(
        self, path: str, body: Any, headers: dict[str, str] | None = None
    ) -> tuple[int, bytes]:
        """POST ``body`` as JSON; (status, response body)."""
        payload = json.dumps(body).encode()
        head = [
            f"POST {path} HTTP/1.1",
            f"Host: {self._host}",
            "Content-Type: application/json",
            f"Content-Length: {len(payload)}",
            *(f"{name}: {value}" for name, value in (headers or {}).items()),
        ]
        return await self.send(("\r\n".join(head) + "\r\n\r\n").encode() + payload)

    async def send(self, request: bytes) -> tuple[int, bytes]:
        """Write one pre-encoded request and read its response."""
        reader, writer = stream = await self._idle.get()
        try:
            writer.write(request)
            return await _read_response(reader)
        finally:
            self._idle.put_nowait(stream)


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    status_line = await reader.readline()
    if not status_line:
        raise ConnectionError("the server closed the connection")
    status = int(status_line.split()[1])
    length = 0
    while (line := await reader.readline()) not in (b"\r\n", b""):
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value)
        elif name == b"transfer-encoding":
            raise ValueError("chunked responses are not supported by the load client")
    return status, await reader.readexactly(length)


@asynccontextmanager
async def load_client(base_url: str, connections: int) -> AsyncIterator[LoadClient]:
    """A :class:`LoadClient` with ``connections`` open connections, closed afterwards."""
    url = URL(base_url)
    idle: asyncio.Queue[Stream] = asyncio.Queue()
    streams = [await asyncio.open_connection(url.raw_host, url.port) for _ in range(connections)]
    for stream in streams:
        idle.put_nowait(stream)
    try:
        yield LoadClient(base_url, idle)
    finally:
        for _, writer in streams:
            writer.close()
