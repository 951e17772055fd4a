"""``run.py`` as a subprocess, the way a user runs it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def run_cli(
    repo_root: Path, *args: str, env: dict[str, str], stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "run.py", *args],
        cwd=repo_root,
        env={**os.environ, "LOG_FORMAT": "json", **env},
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )


def external_env(dsn: str) -> dict[str, str]:
    return {"DATABASE_URL": dsn, "SECRET_KEY": "cli-test-secret"}
