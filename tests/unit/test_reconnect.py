"""Reconnect backoff: doubling, capped, and starting over after a healthy period."""

from __future__ import annotations

from payserv.reconnect import ReconnectBackoff


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def backoff(clock: Clock) -> ReconnectBackoff:
    return ReconnectBackoff(first=0.1, cap=1.0, healthy_after=30.0, clock=clock)


def test_waits_double_up_to_the_cap_while_it_never_comes_up() -> None:
    waits = backoff(Clock())
    assert [waits.down() for _ in range(6)] == [0.1, 0.2, 0.4, 0.8, 1.0, 1.0]


def test_short_lived_connections_keep_the_backoff_growing() -> None:
    clock = Clock()
    waits = backoff(clock)
    delays = []
    for _ in range(4):
        waits.up()
        clock.now += 29.0  # up, but lost before the healthy period
        delays.append(waits.down())
    assert delays == [0.1, 0.2, 0.4, 0.8]


def test_backoff_starts_over_after_a_healthy_period() -> None:
    clock = Clock()
    waits = backoff(clock)
    assert [waits.down() for _ in range(5)] == [0.1, 0.2, 0.4, 0.8, 1.0]
    waits.up()
    clock.now += 30.0
    assert waits.down() == 0.1
    # The next failures (without coming up) grow again from the start.
    assert [waits.down() for _ in range(3)] == [0.2, 0.4, 0.8]


def test_healthy_period_counts_from_the_last_up_only() -> None:
    clock = Clock()
    waits = backoff(clock)
    waits.up()
    clock.now += 100.0
    assert waits.down() == 0.1
    clock.now += 100.0  # down all this time: not healthy
    assert waits.down() == 0.2
