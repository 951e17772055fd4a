"""Headless Chromium (Debian's ``chromium``) driven by Playwright, plus the shop fixtures."""

from __future__ import annotations

import shutil
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


MISSING_CHROMIUM = (
    "chromium is not installed: run `apt-get install chromium` (scripts/test does it for you)"
)


def chromium_path() -> str:
    """Debian's Chromium; installing it is scripts/test's visible step, never a fixture's."""
    path = shutil.which("chromium")
    if path is None:
        pytest.fail(MISSING_CHROMIUM, pytrace=False)
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
