"""The worker's LISTEN connection: reconnected forever, and every wait on it bounded.

Procrastinate's worker polls anyway; NOTIFY only cuts the latency of new jobs. So the
listener must never raise (a raising side task stops the worker, or leaves it polling
only), and must notice a connection that went silent (a half-open TCP connection, a
hung server) instead of waiting for TCP to give up, which takes many minutes.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
from collections.abc import Callable

import asyncpg
import structlog
from procrastinate.connector import Notify

from payserv.reconnect import ReconnectBackoff

log = structlog.get_logger(__name__)

APPLICATION_NAME = "payserv-listen"
_WAKE_UP = json.dumps({"type": "job_inserted", "job_id": 0})


@dataclasses.dataclass(frozen=True)
class ListenTimings:
    """Seconds the listener waits for things; tests shorten them."""

    keepalive: float = 10.0  # idle time before a ``SELECT 1`` checks the connection
    timeout: float = 10.0  # bound on connecting and on every command sent on it
    first_retry: float = 0.1
    max_retry: float = 5.0
    healthy: float = 30.0  # up this long: the next loss starts the backoff over

    def backoff(self) -> ReconnectBackoff:
        return ReconnectBackoff(
            first=self.first_retry, cap=self.max_retry, healthy_after=self.healthy
        )


async def listen_forever(
    dsn: str, on_notification: Notify, channels: list[str], timings: ListenTimings
) -> None:
    """LISTEN on a dedicated connection until cancelled; never raises.

    A lost or silent connection is dropped and reconnected with backoff, re-LISTENed,
    and the worker is woken to fetch whatever was deferred meanwhile.
    """
    backoff = timings.backoff()
    listener = _Listener(dsn, on_notification, channels, timings)
    reconnecting = False
    while True:
        try:
            await listener.listen_once(wake=reconnecting, on_up=backoff.up)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            delay = backoff.down()
            log.warning("listen_connection_lost", error=repr(exc), retry_in=delay)
            await asyncio.sleep(delay)
        reconnecting = True


@dataclasses.dataclass
class _Listener:
    dsn: str
    on_notification: Notify
    channels: list[str]
    timings: ListenTimings
    _deliveries: set[asyncio.Task[None]] = dataclasses.field(default_factory=set)

    async def listen_once(self, *, wake: bool, on_up: Callable[[], None]) -> None:
        """Connect, LISTEN and keep the connection checked until it fails (it raises)."""
        # A connection of its own: a pooled one breaks on release and on server loss.
        # No payserv codecs: notifications are text, and introspection costs round trips.
        conn = await asyncpg.connect(
            self.dsn,
            timeout=self.timings.timeout,
            command_timeout=self.timings.timeout,  # bounds LISTEN and the keep-alive
            server_settings={"application_name": APPLICATION_NAME},
        )
        try:
            lost = asyncio.Event()
            conn.add_termination_listener(lambda _conn: lost.set())
            for channel in self.channels:
                await conn.add_listener(channel, self._deliver)
            log.info("listen_connected", channels=self.channels)
            if wake:
                await self.on_notification(channel=self.channels[0], payload=_WAKE_UP)
            on_up()
            while not lost.is_set():
                try:
                    await asyncio.wait_for(lost.wait(), timeout=self.timings.keepalive)
                except TimeoutError:
                    # A silent connection is only noticed by using it; the command
                    # timeout turns "no answer" into an error.
                    await conn.execute("SELECT 1")
            raise ConnectionError("LISTEN connection terminated")
        finally:
            conn.terminate()

    def _deliver(self, _conn: object, _pid: int, channel: str, payload: object) -> None:
        task = asyncio.ensure_future(self.on_notification(channel=channel, payload=str(payload)))
        self._deliveries.add(task)
        task.add_done_callback(self._deliveries.discard)
