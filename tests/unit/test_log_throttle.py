"""The outage log throttle: one line per interval, the rest counted."""

from __future__ import annotations

from payserv.middleware import _Throttle


def test_throttle_allows_one_per_interval_and_counts_the_rest() -> None:
    throttle = _Throttle(interval=3600)
    assert throttle.allow()
    assert not throttle.allow()
    assert not throttle.allow()
    assert throttle.take_suppressed() == 2
    assert throttle.take_suppressed() == 0


def test_throttle_with_no_interval_allows_everything() -> None:
    throttle = _Throttle(interval=0)
    assert all(throttle.allow() for _ in range(5))
    assert throttle.take_suppressed() == 0
