"""Recording webhook attempts in the delivery log, many in one statement under load.

Each attempt ends with an UPDATE of its row (the result, the next due time, the lease
ended). One statement and one commit per attempt was a third of the gateway's commits per
payment; here an attempt that ends while another write is in flight waits for it and goes
with the next one, together with every other attempt that ended meanwhile. Alone, an
attempt is written at once, so nothing waits for a batch to fill.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass

import asyncpg

from payserv.database import pooled_connection
from payserv.gateway.webhooks import AttemptResult, DeliveryTarget, release
from payserv.queries import query


@dataclass(frozen=True)
class _Attempt:
    target: DeliveryTarget
    number: int
    result: AttemptResult
    recorded: asyncio.Future[bool]


class AttemptLog:
    """Writes the attempts of one pool's processes, a batch per statement."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool
        self._waiting: list[_Attempt] = []
        self._writer: asyncio.Task[None] | None = None

    async def record(self, target: DeliveryTarget, number: int, result: AttemptResult) -> bool:
        """Record attempt ``number`` and end its lease; False when it was stale.

        Stale: a manual retry reset the row meanwhile (or a twin ran after an expired
        lease), so the row is not changed, only its lease ended.
        """
        recorded: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        # Marks a failure retrieved for a caller cancelled meanwhile (awaiting still raises).
        recorded.add_done_callback(lambda done: done.cancelled() or done.exception())
        self._waiting.append(_Attempt(target, number, result, recorded))
        if self._writer is None:
            self._writer = asyncio.create_task(self._write_all(), name="payserv-attempt-log")
        # Shielded: an attempt cancelled now (shutdown) still gets written with its batch.
        return await asyncio.shield(recorded)

    async def _write_all(self) -> None:
        try:
            while self._waiting:
                batch, self._waiting = self._waiting, []
                try:
                    written = await self._write(batch)
                except Exception as exc:
                    for attempt in batch:
                        attempt.recorded.set_exception(exc)
                else:
                    for attempt in batch:
                        attempt.recorded.set_result(attempt.target.id in written)
        finally:
            self._writer = None

    async def _write(self, batch: list[_Attempt]) -> set[uuid.UUID]:
        """One UPDATE for the batch; the ids it recorded. Stale ones get their lease ended."""
        async with pooled_connection(self.pool) as conn:
            rows = await conn.fetch(
                query("gateway_webhooks_record_attempts"),
                [a.target.id for a in batch],
                [a.target.generation for a in batch],
                [a.number for a in batch],
                [a.result.status for a in batch],
                [a.result.response_code for a in batch],
                [a.result.error for a in batch],
                [a.result.next_in for a in batch],
            )
            written = {row["id"] for row in rows}
            stale = [a.target.id for a in batch if a.target.id not in written]
            if stale:
                await release(conn, stale)
        return written


# By id(pool): asyncpg pools take no weak references. Each entry holds its pool, so an id is
# never reused while listed; closed pools' entries go at the next lookup.
_LOGS: dict[int, AttemptLog] = {}


def attempt_log(pool: asyncpg.Pool) -> AttemptLog:
    """The one :class:`AttemptLog` of ``pool`` (attempts batch only if they share it)."""
    log = _LOGS.get(id(pool))
    if log is None:
        for key in [key for key, old in _LOGS.items() if old.pool.is_closing()]:
            del _LOGS[key]
        log = _LOGS[id(pool)] = AttemptLog(pool)
    return log
