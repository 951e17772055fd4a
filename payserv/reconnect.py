"""Waits between reconnects (or restarts): doubling, capped, starting over when healthy."""

from __future__ import annotations

import time
from collections.abc import Callable


class ReconnectBackoff:
    """Doubling waits, capped, that start over once a connection stayed up for a while.

    The reset is tied to how long the thing was *up*, not to how it ended: a connection
    always ends with an error, so "reset on success" would never happen, and a flapping
    connection would otherwise keep the longest wait for good.
    """

    def __init__(
        self,
        *,
        first: float,
        cap: float,
        healthy_after: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.first = first
        self.cap = cap
        self.healthy_after = healthy_after
        self._clock = clock
        self._next = first
        self._up_since: float | None = None

    def up(self) -> None:
        """It is connected and working from now on."""
        self._up_since = self._clock()

    def down(self) -> float:
        """It went down (or failed to come up): seconds to wait before the next try."""
        if self._up_since is not None and self._clock() - self._up_since >= self.healthy_after:
            self._next = self.first
        self._up_since = None
        delay = self._next
        self._next = min(self._next * 2, self.cap)
        return delay
