"""Gateway object ids: 16 characters of [A-Za-z0-9] from the CSPRNG, every character alike."""

from __future__ import annotations

import re
from collections import Counter

from payserv.gateway.orders import new_id


def test_an_id_is_the_prefix_and_16_alphanumerics() -> None:
    for _ in range(200):
        assert re.fullmatch(r"pay_[A-Za-z0-9]{16}", new_id("pay_"))


def test_every_character_is_equally_likely() -> None:
    # 8,000 ids × 16 characters: each of the 62 expected 2,065 times (σ ≈ 45). A byte-modulo
    # bias (bytes 248–255 folded onto the first 8 characters) would give those 2,500.
    counts = Counter("".join(new_id("") for _ in range(8000)))
    assert len(counts) == 62
    expected = 8000 * 16 / 62
    assert max(counts.values()) < expected * 1.1
    assert min(counts.values()) > expected * 0.9
