"""A missing browser is one line saying how to install it, never an install from a fixture."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser.conftest import chromium_path


def test_missing_chromium_fails_with_the_install_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no chromium, and no apt-get to run either
    with pytest.raises(pytest.fail.Exception) as failed:
        chromium_path()
    message = str(failed.value)
    assert "apt-get install chromium" in message
    assert "\n" not in message
