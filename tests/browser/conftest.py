"""Headless Chromium (Debian's ``chromium``) driven by Playwright, plus the shop fixtures."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, async_playwright

from tests.integration.shop.conftest import (  # noqa: F401 - fixtures used by the tests here
    admin_headers,
    make_item,
    make_order,
    start_shop,
    stripe_stub,
)

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def chromium_path() -> str:
    """Debian's Chromium; installed on the spot when missing (the CI script installs it too)."""
    path = shutil.which("chromium")
    if path is None:
        subprocess.run(
            "apt-get update -qq && apt-get install -y -qq chromium >/dev/null",
            shell=True,
            check=True,
        )
        path = shutil.which("chromium")
    assert path is not None, "chromium is not installed"
    return path


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(
            executable_path=chromium_path(), args=CHROMIUM_ARGS, headless=True
        )
        yield chromium
        await chromium.close()


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
