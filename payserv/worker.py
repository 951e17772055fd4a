"""Procrastinate's worker, fetching as many jobs as it has free slots in one statement.

Procrastinate's worker fetches one job per round trip, and each fetch takes a few turns of
the event loop (a semaphore task, a wait on two tasks, the query). In ``serve`` the same
loop answers HTTP, and under load a turn takes milliseconds: measured with 16 clients
creating payments, the worker settled ~80 payments/s while 220/s were queued, with most of
its slots idle, and only caught up once the load stopped.

So this worker waits for one free slot, takes every other free one, and fetches that many
jobs in one statement (:data:`FETCH_JOBS`: Procrastinate's own fetch function, called again
while it finds jobs). Fewer jobs than slots means the queue is empty, so a worker woken for
one job sends one fetch, not two.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import procrastinate
from procrastinate import job_context, jobs, utils, worker

# procrastinate_fetch_job_v2 (what Procrastinate's fetch_job query calls) claims the next
# job, or returns a row of NULLs; each call sees the jobs the calls before it claimed.
FETCH_JOBS = """
WITH RECURSIVE fetched (number, job) AS (
    SELECT 1, procrastinate_fetch_job_v2(%(queues)s::varchar[], %(worker_id)s)
    UNION ALL
    SELECT number + 1, procrastinate_fetch_job_v2(%(queues)s::varchar[], %(worker_id)s)
        FROM fetched
        WHERE number < %(wanted)s AND (job).id IS NOT NULL
)
SELECT (job).id, (job).status, (job).task_name, (job).priority, (job).lock,
       (job).queueing_lock, (job).args, (job).scheduled_at, (job).queue_name,
       (job).attempts, (job).worker_id
    FROM fetched
    WHERE (job).id IS NOT NULL
    ORDER BY number
"""


class BatchFetchWorker(worker.Worker):
    """A ``procrastinate.worker.Worker`` that fills all its free slots with one fetch."""

    async def _fetch_and_process_jobs(self) -> None:
        # Replaces Procrastinate 3.10's loop of the same name: fetch and start jobs until
        # the queue is empty or the worker stops.
        while not self._stop_event.is_set():
            slots = await self._take_free_slots()
            if not slots:
                return  # stopping
            # Cleared before the fetch, not after (as Procrastinate does): a job committed
            # while the fetch runs may be missed by its snapshot, and its NOTIFY, arriving
            # meanwhile, must then wake the next fetch instead of being cleared away.
            self._new_job_event.clear()
            try:
                fetched = await self._fetch_jobs(slots)
            except BaseException:
                self._release_slots(slots)
                raise
            self._release_slots(slots - len(fetched))
            # Started even when stopping: they are "doing" now, and the shutdown waits for them.
            for job in fetched:
                self._start_job(job)
            if len(fetched) < slots:
                return  # the queue is empty

    async def _take_free_slots(self) -> int:
        """Wait for a free slot, then take every other free one; 0 when the worker stops."""
        first = asyncio.create_task(self._job_semaphore.acquire())
        try:
            await utils.wait_any(first, self._stop_event.wait())
        finally:
            if self._stop_event.is_set() and first.done() and not first.cancelled():
                self._job_semaphore.release()
        if self._stop_event.is_set():
            return 0
        slots = 1
        while not self._job_semaphore.locked():
            await self._job_semaphore.acquire()  # returns at once: a slot is free
            slots += 1
        return slots

    def _release_slots(self, count: int) -> None:
        for _ in range(count):
            self._job_semaphore.release()

    async def _fetch_jobs(self, wanted: int) -> list[jobs.Job]:
        assert self.worker_id is not None
        rows = await self.app.job_manager.connector.execute_query_all_async(
            FETCH_JOBS,
            queues=list(self.queues) if self.queues is not None else None,
            worker_id=self.worker_id,
            wanted=wanted,
        )
        return [jobs.Job.from_row(row) for row in rows]

    def _start_job(self, job: jobs.Job) -> None:
        # As Procrastinate's loop starts each job it fetched; its slot is freed when it ends.
        job_id = job.id
        context = job_context.JobContext(
            app=self.app,
            worker_name=self.worker_name,
            worker_queues=self.queues,
            additional_context=dict(self.additional_context or {}),
            job=job,
            abort_reason=lambda: self._job_ids_to_abort.get(job_id) if job_id else None,
            start_timestamp=time.time(),
        )
        task = asyncio.create_task(
            self._process_job(context), name=f"process job {job.task_name}[{job_id}]"
        )
        self._running_jobs[task] = context
        task.add_done_callback(self._job_ended)

    def _job_ended(self, task: asyncio.Task[Any]) -> None:
        del self._running_jobs[task]
        self._job_semaphore.release()


async def run_worker(app: procrastinate.App, **options: Any) -> None:
    """Like ``app.run_worker_async(**options)``, with :class:`BatchFetchWorker`."""
    app.perform_import_paths()
    await BatchFetchWorker(app=app, **options).run()
