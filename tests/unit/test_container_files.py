"""The image's build files, checked as text (no Docker engine on the test machines)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _lines(name: str) -> list[str]:
    text = (ROOT / name).read_text()
    return [line.strip() for line in text.splitlines() if line.strip()]


def test_build_context_leaves_out_data_history_and_tests() -> None:
    ignored = {line.rstrip("/") for line in _lines(".dockerignore") if not line.startswith("#")}
    assert {".payserv", ".git", "tests", "test-artifacts", "bench/results"} <= ignored
    assert {"__pycache__", ".mypy_cache", ".ruff_cache", ".pytest_cache"} <= ignored


def test_an_init_is_pid_1() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "apt-get install -y --no-install-recommends tini" in dockerfile
    assert 'ENTRYPOINT ["/usr/bin/tini", "--"]' in dockerfile


def test_healthcheck_asks_port_after_a_start_period() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    healthcheck = dockerfile[dockerfile.index("HEALTHCHECK") :].split("\n#")[0]
    assert re.search(r"--start-period=\d+s", healthcheck)
    assert "os.environ['PORT']" in healthcheck
    assert "8000" not in healthcheck
