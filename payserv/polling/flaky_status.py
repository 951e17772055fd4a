"""The built-in flaky status API: which answer to give, drawn at random (DESIGN §6)."""

from __future__ import annotations

import random

IRREGULAR_ANSWERS = ("500", "502", "503", "429", "non_json", "slow")
SLOW_ANSWER_SECONDS = 3.0  # longer than the checker's default 2 s timeout
FAILED_PROBABILITY = 0.1


def draw_answer(rng: random.Random, failure_rate: float) -> str:
    """``completed``/``failed``, or (at ``failure_rate``) one of :data:`IRREGULAR_ANSWERS`."""
    if rng.random() < failure_rate:
        return rng.choice(IRREGULAR_ANSWERS)
    return "failed" if rng.random() < FAILED_PROBABILITY else "completed"
