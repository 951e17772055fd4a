"""scripts/test, the README's test command: installs extras and chromium visibly, runs pytest."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

RECORDER = '#!/bin/sh\necho "$(basename "$0") $*" >> "$CALLS"\n'


def _fake_bin(tmp_path: Path, *, chromium: bool) -> Path:
    """A PATH holding only recorders for python/apt-get (and chromium if asked) plus real tools."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    names = ["python", "apt-get"] + (["chromium"] if chromium else [])
    for name in names:
        (bin_dir / name).write_text(RECORDER)
        (bin_dir / name).chmod(0o755)
    for tool in ("dirname", "basename", "id"):
        real = shutil.which(tool)
        assert real is not None
        (bin_dir / tool).symlink_to(real)
    return bin_dir


def _run(repo_root: Path, tmp_path: Path, *, chromium: bool) -> tuple[str, list[str]]:
    calls = tmp_path / "calls"
    calls.touch()
    bin_dir = _fake_bin(tmp_path, chromium=chromium)
    result = subprocess.run(
        ["/bin/bash", str(repo_root / "scripts" / "test"), "-q", "tests/unit"],
        env={**os.environ, "PATH": str(bin_dir), "CALLS": str(calls)},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return result.stdout, calls.read_text().splitlines()


def test_installs_extras_and_missing_chromium_visibly_then_runs_pytest(
    repo_root: Path, tmp_path: Path
) -> None:
    stdout, calls = _run(repo_root, tmp_path, chromium=False)
    assert "apt-get install chromium" in stdout
    assert calls[0] == "python -m pip install --quiet -e .[test]"
    assert "apt-get install -y -qq chromium" in calls
    assert calls[-1] == "python -m pytest -q tests/unit"


def test_leaves_an_installed_chromium_alone(repo_root: Path, tmp_path: Path) -> None:
    stdout, calls = _run(repo_root, tmp_path, chromium=True)
    assert "apt-get" not in stdout
    assert not any(call.startswith("apt-get") for call in calls)
    assert calls[-1] == "python -m pytest -q tests/unit"
