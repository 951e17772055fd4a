"""The status-check retry strategy: the schedule counts checks, outages are retried (§6)."""

from __future__ import annotations

from datetime import UTC, datetime

import asyncpg
import pytest
from procrastinate import RetryDecision
from procrastinate.exceptions import ConnectorException
from procrastinate.jobs import Job

from payserv.database import is_connection_loss
from payserv.errors import PayservError
from payserv.jobs.polling import (
    MAX_RUNS,
    OUTAGE_RETRY_SECONDS,
    FullJitterRetry,
    StatusCheckFailed,
)
from payserv.polling.backoff import MAX_STATUS_CHECK_RETRIES
from payserv.polling.client import FinalStatusError, RetryableStatusError

SCALE = 0.5


def _job(attempts: int) -> Job:
    return Job(queue="default", lock=None, queueing_lock=None, task_name="x", attempts=attempts)


def _delay(decision: RetryDecision | None) -> float:
    assert decision is not None and decision.retry_at is not None
    return (decision.retry_at - datetime.now(UTC)).total_seconds()


def _lost_connection() -> BaseException:
    """A driver error as Procrastinate's connector or our own job raises it."""
    try:
        try:
            raise asyncpg.exceptions.ConnectionDoesNotExistError("connection was closed")
        except asyncpg.PostgresConnectionError as exc:
            raise ConnectorException("lost") from exc
    except ConnectorException as wrapped:
        return wrapped


@pytest.mark.parametrize("retry", range(MAX_STATUS_CHECK_RETRIES))
def test_the_retry_index_is_the_checks_count_not_the_runs(retry: int) -> None:
    # Many runs (outages) before: the schedule follows the recorded checks only.
    decision = FullJitterRetry(SCALE).get_retry_decision(
        exception=StatusCheckFailed(retry, "503"), job=_job(attempts=retry + 20)
    )
    assert 0 <= _delay(decision) < min(64, 2**retry) * SCALE


def test_the_check_after_the_tenth_retry_fails_the_job() -> None:
    strategy = FullJitterRetry(SCALE)
    failed = StatusCheckFailed(MAX_STATUS_CHECK_RETRIES, "503")
    assert strategy.get_retry_decision(exception=failed, job=_job(0)) is None


@pytest.mark.parametrize("attempts", [0, MAX_STATUS_CHECK_RETRIES, 50])
def test_a_lost_database_connection_is_retried_whatever_the_schedule(attempts: int) -> None:
    decision = FullJitterRetry(SCALE).get_retry_decision(
        exception=_lost_connection(), job=_job(attempts)
    )
    assert 0 < _delay(decision) <= OUTAGE_RETRY_SECONDS


def test_outage_retries_stop_at_the_run_limit() -> None:
    strategy = FullJitterRetry(SCALE)
    assert strategy.get_retry_decision(exception=_lost_connection(), job=_job(MAX_RUNS)) is None


def test_other_errors_are_not_retried() -> None:
    strategy = FullJitterRetry(SCALE)
    assert strategy.get_retry_decision(exception=KeyError("bug"), job=_job(0)) is None


def test_an_error_raised_from_none_is_not_caused_by_what_it_handled() -> None:
    # The status API refusing connections is an OSError, but not a database outage.
    try:
        try:
            raise ConnectionRefusedError("status API down")
        except OSError:
            raise RetryableStatusError("status API unreachable") from None
    except RetryableStatusError as exc:
        assert not is_connection_loss(exc)
    assert is_connection_loss(_lost_connection())


def test_the_status_errors_share_the_one_base() -> None:
    for error in (RetryableStatusError, FinalStatusError, StatusCheckFailed):
        assert issubclass(error, PayservError)
