"""Full-jitter backoff for status polling: bounds, cap, scale and spread."""

from __future__ import annotations

import math
import random

import pytest

from payserv.polling.backoff import MAX_STATUS_CHECK_RETRIES, full_jitter_delay

DRAWS = 2000


class UpperEndRandom(random.Random):
    """A source whose uniform() lands exactly on its upper end, as float rounding can."""

    def uniform(self, a: float, b: float) -> float:
        return b


def test_max_retries() -> None:
    assert MAX_STATUS_CHECK_RETRIES == 10


@pytest.mark.parametrize("k", range(10))
def test_bounds(k: int) -> None:
    rng = random.Random(k)
    bound = min(64, 2**k)
    draws = [full_jitter_delay(k, rng=rng) for _ in range(DRAWS)]
    assert all(0 <= d < bound for d in draws)
    assert all(d < 64 for d in draws)
    # Uniform over [0, bound): both halves are hit, and no value repeats much.
    assert min(draws) < bound * 0.1 and max(draws) > bound * 0.9
    assert len(set(draws)) > DRAWS * 0.99


@pytest.mark.parametrize("k", [6, 7, 9, 10, 50, 5000])
def test_cap_of_64_from_k_6(k: int) -> None:
    rng = random.Random(1)
    draws = [full_jitter_delay(k, rng=rng) for _ in range(DRAWS)]
    assert all(0 <= d < 64 for d in draws)
    assert max(draws) > 60  # the cap, not a smaller bound


def test_custom_cap() -> None:
    rng = random.Random(2)
    assert all(full_jitter_delay(9, cap=5.0, rng=rng) < 5.0 for _ in range(DRAWS))


@pytest.mark.parametrize(("k", "bound"), [(0, 1.0), (3, 8.0), (6, 64.0), (9, 64.0)])
def test_upper_bound_is_excluded(k: int, bound: float) -> None:
    delay = full_jitter_delay(k, rng=UpperEndRandom())
    assert delay < bound
    assert delay == math.nextafter(bound, 0.0)


@pytest.mark.parametrize("scale", [0.01, 0.001, 2.5, 1 / 3])
def test_scale_is_applied(scale: float) -> None:
    rng = random.Random(3)
    for k in range(10):
        bound = min(64, 2**k) * scale
        draws = [full_jitter_delay(k, scale=scale, rng=rng) for _ in range(200)]
        assert all(0 <= d < bound for d in draws)
        assert max(draws) > bound * 0.8
    assert full_jitter_delay(9, scale=scale, rng=UpperEndRandom()) < 64 * scale


def test_scale_zero_means_no_wait() -> None:
    assert full_jitter_delay(5, scale=0.0, rng=UpperEndRandom()) == 0.0


def test_same_seed_same_schedule_and_default_source() -> None:
    first = [full_jitter_delay(k, rng=random.Random(42)) for k in range(10)]
    second = [full_jitter_delay(k, rng=random.Random(42)) for k in range(10)]
    assert first == second
    unseeded = {full_jitter_delay(4) for _ in range(100)}
    assert len(unseeded) > 90 and all(0 <= d < 16 for d in unseeded)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"retry_index": -1},
        {"retry_index": 0, "cap": 0.0},
        {"retry_index": 0, "cap": -1.0},
        {"retry_index": 0, "cap": math.nan},
        {"retry_index": 0, "cap": math.inf},
        {"retry_index": 0, "scale": -1.0},
        {"retry_index": 0, "scale": math.nan},
        {"retry_index": 0, "scale": math.inf},
    ],
)
def test_bad_arguments(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        full_jitter_delay(**kwargs)  # type: ignore[arg-type]
