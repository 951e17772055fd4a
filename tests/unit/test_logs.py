"""Log levels: Procrastinate's per-job lines only with LOG_LEVEL=DEBUG."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import replace

import pytest
import structlog

from payserv.logs import configure_logging
from tests.conftest import base_settings


@pytest.fixture(autouse=True)
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    saved = (root.handlers[:], root.level, logging.getLogger("procrastinate").level)
    yield
    root.handlers[:], root.level = saved[0], saved[1]
    logging.getLogger("procrastinate").setLevel(saved[2])


@pytest.mark.parametrize(
    ("log_level", "job_lines", "warnings"),
    [
        ("INFO", False, True),
        ("WARNING", False, True),
        ("ERROR", False, False),
        ("DEBUG", True, True),
    ],
)
def test_procrastinate_job_lines_only_at_debug(
    log_level: str, job_lines: bool, warnings: bool
) -> None:
    configure_logging(replace(base_settings(), log_level=log_level))
    worker = logging.getLogger("procrastinate.worker")
    # "Starting job …" / "… ended with status" are INFO lines of this logger.
    assert worker.isEnabledFor(logging.INFO) is job_lines
    assert worker.isEnabledFor(logging.WARNING) is warnings
    assert logging.getLogger("payserv.http").isEnabledFor(logging.INFO) is (
        log_level in ("INFO", "DEBUG")
    )


@pytest.mark.parametrize(("log_level", "dropped"), [("WARNING", True), ("INFO", False)])
def test_a_line_below_the_level_is_dropped_before_it_is_built(
    log_level: str, dropped: bool
) -> None:
    configure_logging(replace(base_settings(), log_level=log_level))
    first = structlog.get_config()["processors"][0]
    logger = logging.getLogger("payserv.http")
    if dropped:
        with pytest.raises(structlog.DropEvent):
            first(logger, "info", {"event": "http_request"})
    else:
        assert first(logger, "info", {"event": "http_request"}) == {"event": "http_request"}


class _Counted:
    """A field value that counts how often a line with it was built."""

    built = 0

    def __repr__(self) -> str:
        _Counted.built += 1
        return "counted"


@pytest.mark.parametrize(("log_level", "built"), [("WARNING", False), ("INFO", True)])
def test_an_info_line_below_the_level_is_never_built(
    log_level: str, built: bool, capsys: pytest.CaptureFixture[str]
) -> None:
    configure_logging(replace(base_settings(), log_level=log_level, log_format="json"))
    _Counted.built = 0
    structlog.get_logger("payserv.test").info("something_happened", value=_Counted())
    assert (_Counted.built > 0) is built
    assert ("something_happened" in capsys.readouterr().err) is built
