"""Full-jitter exponential backoff for status polling (DESIGN §6, AWS "full jitter")."""

from __future__ import annotations

import math
import random

MAX_STATUS_CHECK_RETRIES = 10

# 2.0 ** 1024 overflows a float; any sane cap is far below 2 ** 1023 anyway.
_MAX_EXPONENT = 1023


def full_jitter_delay(
    retry_index: int,
    *,
    cap: float = 64.0,
    scale: float = 1.0,
    rng: random.Random | None = None,
) -> float:
    """Seconds before retry ``retry_index`` (0-based): U[0, min(cap, 2**k)) × scale."""
    if retry_index < 0:
        raise ValueError(f"retry_index must be >= 0, not {retry_index}")
    if not 0 < cap < math.inf:  # the comparison also rejects NaN
        raise ValueError(f"cap must be finite and > 0, not {cap}")
    if not 0 <= scale < math.inf:
        raise ValueError(f"scale must be finite and >= 0, not {scale}")
    # Scale the bound, not the draw, so the scaled interval is half-open too.
    bound = min(cap, 2.0 ** min(retry_index, _MAX_EXPONENT)) * scale
    delay = rng.uniform(0.0, bound) if rng is not None else random.uniform(0.0, bound)
    # uniform() may round up to its upper end; with scale 0 the only sane delay is 0.
    if delay >= bound > 0:
        delay = math.nextafter(bound, 0.0)
    return delay
