"""Many small writes in one statement under load, each at once when alone.

A write that arrives while the last batch is being written waits for it and goes with the
next, together with every other write that arrived meanwhile. So a lone write costs what it
did unbatched, and under load the statements (and commits) per write fall as writes pile up.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")


@dataclass(frozen=True)
class _Waiting(Generic[Item, Result]):
    item: Item
    done: asyncio.Future[Result]


class Batcher(Generic[Item, Result]):
    """Writes items with ``write_batch``: items → one result per item, in their order.

    An exception in place of a result fails that item alone; a batch that raises fails
    each of its items with that exception.
    """

    def __init__(
        self,
        write_batch: Callable[[list[Item]], Awaitable[list[Result | Exception]]],
        *,
        name: str,
    ) -> None:
        self._write_batch = write_batch
        self._name = name
        self._waiting: list[_Waiting[Item, Result]] = []
        self._writer: asyncio.Task[None] | None = None

    async def submit(self, item: Item) -> Result:
        """Write ``item`` with the next batch; its result.

        Shielded: an item whose caller is cancelled meanwhile (a shutdown) is still written
        with its batch.
        """
        done: asyncio.Future[Result] = asyncio.get_running_loop().create_future()
        # Marks a failure retrieved for a caller cancelled meanwhile (awaiting still raises).
        done.add_done_callback(lambda future: future.cancelled() or future.exception())
        self._waiting.append(_Waiting(item, done))
        if self._writer is None:
            self._writer = asyncio.create_task(self._write_all(), name=self._name)
        return await asyncio.shield(done)

    async def _write_all(self) -> None:
        batch: list[_Waiting[Item, Result]] = []
        try:
            while self._waiting:
                batch, self._waiting = self._waiting, []
                try:
                    results = await self._write_batch([waiting.item for waiting in batch])
                except Exception as exc:
                    results = [exc] * len(batch)
                for waiting, result in zip(batch, results, strict=True):
                    if isinstance(result, Exception):
                        waiting.done.set_exception(result)
                    else:
                        waiting.done.set_result(result)
        finally:
            self._writer = None
            # Cancelled mid-write (the loop is closing): no caller may wait forever.
            for waiting in [*batch, *self._waiting]:
                if not waiting.done.done():
                    waiting.done.cancel()
            self._waiting = []
