"""Full-jitter exponential backoff for status polling (DESIGN §6, AWS "full jitter")."""

from __future__ import annotations

import math
import random

MAX_STATUS_CHECK_RETRIES = 10


def full_jitter_delay(
    retry_index: int,
    *,
    cap: float = 64.0,
    scale: float = 1.0,
    rng: random.Random | None = None,
) -> float:
    """Seconds before retry ``retry_index`` (0-based): U[0, min(cap, 2**k)) × scale."""
    bound = min(cap, 2.0**retry_index)
    delay = (rng or random).uniform(0.0, bound)
    if delay >= bound:  # uniform() may return its upper end; the interval is half-open
        delay = math.nextafter(bound, 0.0)
    return delay * scale
