"""How database errors become domain errors: decided in one place, however wrapped."""

from __future__ import annotations

import asyncpg
from procrastinate import exceptions

from payserv.database import conflicting_value, is_connection_loss, translate_error
from payserv.errors import BadRequestError, ServiceUnavailableError


def _wrapped(cause: BaseException) -> BaseException:
    try:
        raise exceptions.ConnectorException(str(cause)) from cause
    except exceptions.ConnectorException as exc:
        return exc


def test_a_queue_error_caused_by_a_lost_connection_is_an_outage() -> None:
    lost = _wrapped(asyncpg.ConnectionDoesNotExistError("connection was closed"))
    assert is_connection_loss(lost)
    assert isinstance(translate_error(lost), ServiceUnavailableError)


def test_an_error_raised_while_handling_an_outage_is_one_too() -> None:
    try:
        try:
            raise ConnectionResetError("reset by peer")
        except ConnectionResetError:
            raise RuntimeError("rollback failed")  # noqa: B904 (the implicit context is the point)
    except RuntimeError as exc:
        assert is_connection_loss(exc)


def test_other_errors_and_hidden_causes_are_not() -> None:
    assert not is_connection_loss(_wrapped(asyncpg.UndefinedTableError("no table")))
    assert translate_error(_wrapped(ValueError("bug"))) is None
    hidden = RuntimeError("explicitly unrelated")
    hidden.__context__ = OSError("earlier")
    hidden.__suppress_context__ = True
    assert not is_connection_loss(hidden)
    looped = RuntimeError("a")
    looped.__context__ = RuntimeError("b")
    looped.__context__.__context__ = looped
    assert not is_connection_loss(looped)


def _unique_violation(constraint: str, detail: str) -> asyncpg.UniqueViolationError:
    fields = {"C": "23505", "M": "duplicate key", "D": detail, "n": constraint}
    return asyncpg.UniqueViolationError.new(fields)


def test_a_taken_username_is_a_client_error_naming_it() -> None:
    taken = _unique_violation("users_username_key", "Key (username)=(bo)b) already exists.")
    error = translate_error(_wrapped(taken))
    assert isinstance(error, BadRequestError)
    assert (str(error), error.field) == ("user 'bo)b' already exists", "username")


def test_an_unlisted_constraint_is_a_bug() -> None:
    other = _unique_violation("merchants_api_key_key", "Key (api_key)=(k) already exists.")
    assert translate_error(other) is None


def test_conflicting_value_is_the_whole_key() -> None:
    lock = _unique_violation(
        "procrastinate_jobs_queueing_lock_idx_v1", "Key (queueing_lock)=(a)b) already exists."
    )
    assert conflicting_value(lock) == "a)b"
    assert conflicting_value(asyncpg.UniqueViolationError("no detail")) is None


def test_a_misused_query_is_a_bug_not_an_outage() -> None:
    # Found when a caller passed too few arguments: it answered 503 and hid the bug.
    misuse = asyncpg.InterfaceError("the server expects 4 arguments for this query, 2 were passed")
    assert not is_connection_loss(misuse)
    assert translate_error(misuse) is None
    assert is_connection_loss(asyncpg.InterfaceError("connection is closed"))
    assert is_connection_loss(asyncpg.InterfaceError("pool is closing"))
