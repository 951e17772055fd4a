"""The reconciliation schedule: ATOMPAY_RECONCILE_INTERVAL as a six-field cron."""

from __future__ import annotations

import pytest

from payserv.jobs.atompay import interval_cron


@pytest.mark.parametrize(
    ("seconds", "cron"),
    [
        (1, "* * * * * */1"),
        (45, "* * * * * */45"),
        (60, "*/1 * * * * 0"),
        (300, "*/5 * * * * 0"),
        (7200, "0 */2 * * * 0"),
    ],
)
def test_interval_cron(seconds: int, cron: str) -> None:
    assert interval_cron(seconds) == cron
