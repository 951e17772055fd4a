"""The webhook outbox (DESIGN §4, §9): attempts right after the commit, a sweeper for the rest.

A delivery-log row is due the moment the transaction that made it commits. The process that
committed it made it leased to itself, and attempts it straight away (:func:`attempt_made`),
so the happy path queues no job. Whatever that misses (a process killed before or during its
attempt, the next attempt after a failure) the sweeper of any worker process claims once it
is due and unleased (:meth:`Outbox.sweep`). Only a lease lets a process attempt a delivery,
so two attempts of one delivery never overlap; a claimer's death delays its deliveries by
the rest of its lease (payserv/sql/gateway.sql).
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Coroutine
from typing import Any

import structlog

from payserv.database import pooled_connection
from payserv.gateway.delivery import attempt_delivery
from payserv.gateway.events import Made
from payserv.gateway.webhooks import LEASE_SECONDS, DeliveryTarget, claim, claim_due, release
from payserv.queue import JobDeps

log = structlog.get_logger(__name__)

# One sweep claims at most this many.
SWEEP_BATCH = 50
# A process attempts at most this many at once: its requests', its jobs' and its sweeps'.
MAX_IN_FLIGHT = 100


async def attempt_made(deps: JobDeps, made: Made) -> None:
    """Attempt, concurrently, the deliveries this process has just committed (leased to it).

    Failures are logged, never raised: the rows stay leased until the lease expires, then
    a sweeper delivers them.
    """
    await asyncio.gather(*(_attempt_claimed(deps, target) for target in made.targets))


async def attempt_now(deps: JobDeps, delivery_ids: list[uuid.UUID]) -> None:
    """Claim and attempt those of the deliveries that are due and unleased (a manual retry)."""
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


async def _release(deps: JobDeps, delivery_ids: list[uuid.UUID]) -> None:
    try:
        async with pooled_connection(deps.pool) as conn:
            await release(conn, delivery_ids)
    except Exception as exc:
        _left_to_sweeper(exc, delivery_ids)


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

    def __init__(self, deps: JobDeps, *, concurrency: int = MAX_IN_FLIGHT) -> None:
        self.deps = deps
        self._concurrency = concurrency
        self._tasks: set[asyncio.Task[None]] = set()
        self._closing = False

    def hand_off(self, made: Made) -> None:
        """Attempt the deliveries a request just committed, without delaying its response.

        Closing or at capacity, it releases them instead: they are due, a sweeper takes them.
        """
        if not made.targets:
            return
        if self._closing or len(self._tasks) >= self._concurrency:
            self._spawn(_release(self.deps, [target.id for target in made.targets]))
        else:
            self._spawn(attempt_made(self.deps, made))

    def retry_now(self, delivery_id: uuid.UUID) -> None:
        """Attempt a delivery a manual retry just made due, unless busy (then a sweeper will)."""
        if not self._closing and len(self._tasks) < self._concurrency:
            self._spawn(attempt_now(self.deps, [delivery_id]))

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
        deadline = time.monotonic() + grace
        # A loop: requests finishing meanwhile still hand off (their releases are awaited too).
        while self._tasks and (left := deadline - time.monotonic()) > 0:
            await asyncio.wait(set(self._tasks), timeout=left)
        running = set(self._tasks)
        for task in running:
            task.cancel()
        if running:
            log.warning("webhook_attempts_cut_off", count=len(running))
            await asyncio.wait(running)

    def _spawn(self, attempt: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(attempt)
        self._tasks.add(task)  # the loop keeps only a weak reference to a task
        task.add_done_callback(self._tasks.discard)
