"""The batcher: a lone item is written at once, items arriving during a write go together in
the next, and each caller gets its own item's outcome."""

from __future__ import annotations

import asyncio

import pytest

from payserv.batching import Batcher


class Recorder:
    """A write_batch that records its batches and can be held open."""

    def __init__(self) -> None:
        self.batches: list[list[int]] = []
        self.gate = asyncio.Event()
        self.gate.set()

    async def write(self, items: list[int]) -> list[int | Exception]:
        self.batches.append(items)
        await self.gate.wait()
        return [ValueError(f"odd {item}") if item % 2 else item * 10 for item in items]


async def test_a_lone_item_is_written_at_once_as_a_batch_of_one() -> None:
    recorder = Recorder()
    batcher = Batcher(recorder.write, name="test")
    assert await batcher.submit(2) == 20
    assert recorder.batches == [[2]]


async def test_items_arriving_during_a_write_go_together_in_the_next() -> None:
    recorder = Recorder()
    batcher = Batcher(recorder.write, name="test")
    recorder.gate.clear()
    first = asyncio.create_task(batcher.submit(2))
    await asyncio.sleep(0.01)  # the first write is in flight, held open
    later = [asyncio.create_task(batcher.submit(item)) for item in (4, 6, 8)]
    await asyncio.sleep(0.01)
    assert recorder.batches == [[2]]
    recorder.gate.set()
    assert await first == 20
    assert await asyncio.gather(*later) == [40, 60, 80]
    assert recorder.batches == [[2], [4, 6, 8]]


async def test_each_caller_gets_its_own_items_failure() -> None:
    recorder = Recorder()
    batcher = Batcher(recorder.write, name="test")
    results = await asyncio.gather(
        *(batcher.submit(item) for item in (2, 3, 4)), return_exceptions=True
    )
    assert results[0] == 20 and results[2] == 40
    assert isinstance(results[1], ValueError) and str(results[1]) == "odd 3"
    assert recorder.batches == [[2, 3, 4]]


async def test_a_failed_write_fails_its_whole_batch_and_the_next_write_goes_on() -> None:
    calls = 0

    async def failing_once(items: list[int]) -> list[int | Exception]:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise ConnectionError("lost")
        return list(items)

    batcher = Batcher(failing_once, name="test")
    results = await asyncio.gather(batcher.submit(1), batcher.submit(2), return_exceptions=True)
    assert [type(result) for result in results] == [ConnectionError, ConnectionError]
    assert await batcher.submit(3) == 3


async def test_a_cancelled_callers_item_is_still_written() -> None:
    recorder = Recorder()
    batcher = Batcher(recorder.write, name="test")
    recorder.gate.clear()
    caller = asyncio.create_task(batcher.submit(2))
    await asyncio.sleep(0.01)
    caller.cancel()
    with pytest.raises(asyncio.CancelledError):
        await caller
    recorder.gate.set()
    await asyncio.sleep(0.01)
    assert recorder.batches == [[2]]
