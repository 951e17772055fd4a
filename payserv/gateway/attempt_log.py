"""Recording webhook attempts in the delivery log, many in one statement under load.

Each attempt ends with an UPDATE of its row (the result, the next due time, the lease
ended). One statement and one commit per attempt was a third of the gateway's commits per
payment; here an attempt that ends while another write is in flight waits for it and goes
with the next one, together with every other attempt that ended meanwhile. Alone, an
attempt is written at once, so nothing waits for a batch to fill.
"""

from __future__ import annotations

import asyncpg

from payserv.batching import Batcher
from payserv.database import pooled_connection
from payserv.gateway.webhooks import AttemptResult, DeliveryTarget, release
from payserv.queries import query

_Attempt = tuple[DeliveryTarget, int, AttemptResult]


class AttemptLog:
    """Writes the attempts of one pool's processes, a batch per statement."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool
        self._batcher: Batcher[_Attempt, bool] = Batcher(self._write, name="payserv-attempt-log")

    async def record(self, target: DeliveryTarget, number: int, result: AttemptResult) -> bool:
        """Record attempt ``number`` and end its lease; False when it was stale.

        Stale: a manual retry reset the row meanwhile (or a twin ran after an expired
        lease), so the row is not changed, only its lease ended. An attempt cancelled now
        (shutdown) still gets written with its batch.
        """
        return await self._batcher.submit((target, number, result))

    async def _write(self, batch: list[_Attempt]) -> list[bool | Exception]:
        """One UPDATE for the batch; whether each was recorded. Stale ones get their lease ended."""
        async with pooled_connection(self.pool) as conn:
            rows = await conn.fetch(
                query("gateway_webhooks_record_attempts"),
                [target.id for target, _, _ in batch],
                [target.generation for target, _, _ in batch],
                [number for _, number, _ in batch],
                [result.status for _, _, result in batch],
                [result.response_code for _, _, result in batch],
                [result.error for _, _, result in batch],
                [result.next_in for _, _, result in batch],
            )
            written = {row["id"] for row in rows}
            stale = [target.id for target, _, _ in batch if target.id not in written]
            if stale:
                await release(conn, stale)
        return [target.id in written for target, _, _ in batch]


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
