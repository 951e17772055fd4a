"""The webhook outbox (DESIGN §4, §9): attempts right after the commit, a sweeper for the rest.

A delivery-log row is due the moment the transaction that made it commits. The process that
committed claims and attempts it straight away (:func:`attempt_made`), so the happy path
queues no job. Whatever that misses (a process killed before or during its attempt, the next
attempt after a failure) the sweeper of any worker process claims once it is due
(:meth:`Outbox.sweep`). Claiming leases the row (payserv/sql/gateway.sql): two attempts of
one delivery never overlap, and a claimer's death only delays its delivery by the lease.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Coroutine
from typing import Any

import structlog

from payserv.gateway.delivery import ATTEMPT_TIMEOUT, attempt_delivery, pooled_connection
from payserv.gateway.webhooks import DeliveryTarget, claim, claim_due
from payserv.queue import JobDeps

log = structlog.get_logger(__name__)

# Far longer than an attempt (ATTEMPT_TIMEOUT plus recording it): a lease only expires
# when its claimer died, and then the delivery waits this long for the sweeper.
LEASE_SECONDS = 12 * ATTEMPT_TIMEOUT
# One sweep claims at most this many; a process attempts at most this many at once.
SWEEP_BATCH = 50


async def attempt_made(deps: JobDeps, delivery_ids: list[uuid.UUID]) -> None:
    """Claim and attempt, concurrently, the deliveries this process has just committed.

    Those another process claimed first are its to attempt. Failures are logged, never
    raised: the rows stay due (or leased until the lease expires) for the sweeper.
    """
    if not delivery_ids:
        return
    try:
        async with pooled_connection(deps.pool) as conn:
            targets = await claim(conn, delivery_ids, LEASE_SECONDS)
    except Exception as exc:
        _left_to_sweeper(exc, delivery_ids)
        return
    await asyncio.gather(*(_attempt_claimed(deps, target) for target in targets))


async def _attempt_claimed(deps: JobDeps, target: DeliveryTarget) -> None:
    try:
        await attempt_delivery(deps, target)
    except Exception as exc:
        _left_to_sweeper(exc, [target.id])


def _left_to_sweeper(exc: Exception, delivery_ids: list[uuid.UUID]) -> None:
    log.warning(
        "webhook_attempt_left_to_sweeper",
        delivery_ids=[str(i) for i in delivery_ids],
        error=f"{type(exc).__name__}: {exc}",
    )


class Outbox:
    """A process's background attempts: its requests' hand-offs and its sweeper's batches.

    At most ``concurrency`` run at once; :meth:`close` lets the running ones finish.
    """

    def __init__(self, deps: JobDeps, *, concurrency: int = SWEEP_BATCH) -> None:
        self.deps = deps
        self._concurrency = concurrency
        self._tasks: set[asyncio.Task[None]] = set()
        self._closing = False

    def hand_off(self, delivery_ids: list[uuid.UUID]) -> None:
        """Attempt the deliveries a request just committed, without delaying its response.

        Closing or at capacity, it does nothing: the rows are due, and a sweeper delivers them.
        """
        if delivery_ids and not self._closing and len(self._tasks) < self._concurrency:
            self._spawn(attempt_made(self.deps, list(delivery_ids)))

    async def sweep(self) -> int:
        """Claim a batch of due deliveries and start their attempts; how many it claimed."""
        free = min(SWEEP_BATCH, self._concurrency - len(self._tasks))
        if free <= 0 or self._closing:
            return 0
        async with pooled_connection(self.deps.pool) as conn:
            targets = await claim_due(conn, free, LEASE_SECONDS)
        for target in targets:
            self._spawn(_attempt_claimed(self.deps, target))
        return len(targets)

    async def run_sweeper(self, interval: float) -> None:
        """Sweep every ``interval`` seconds until cancelled; after a full batch, at once."""
        failing = False
        while True:
            try:
                claimed = await self.sweep()
                failing = False
            except Exception as exc:
                # A database outage: the next round tries again. Logged once per outage.
                if not failing:
                    log.warning("webhook_sweep_failed", error=f"{type(exc).__name__}: {exc}")
                failing, claimed = True, 0
            if claimed < SWEEP_BATCH:
                await asyncio.sleep(interval)

    async def close(self, grace: float) -> None:
        """Start no more attempts and wait up to ``grace`` s for the running ones.

        Attempts still running then are cancelled: their rows stay leased until the lease
        expires, then a sweeper delivers them.
        """
        self._closing = True
        if not self._tasks:
            return
        _, running = await asyncio.wait(set(self._tasks), timeout=grace)
        for task in running:
            task.cancel()
        if running:
            log.warning("webhook_attempts_cut_off", count=len(running))
            await asyncio.wait(running)

    def _spawn(self, attempt: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(attempt)
        self._tasks.add(task)  # the loop keeps only a weak reference to a task
        task.add_done_callback(self._tasks.discard)
