"""Fixtures of the webhook tests: a recording HTTP receiver and the test merchant."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import asyncpg
import pytest
from aiohttp.test_utils import TestServer

from payserv.gateway.merchants import TEST_API_KEY, TEST_API_SECRET, TEST_MERCHANT_ID
from tests.helpers.webhook_receiver import Received, Receiver, start_receiver
from tests.helpers.webhook_receiver import wait_until as wait_for

__all__ = ["MERCHANT_HEADERS", "Received", "Receiver", "set_webhook_url", "wait_for"]

MERCHANT_HEADERS = {"X-Api-Key": TEST_API_KEY, "X-Api-Secret": TEST_API_SECRET}


@pytest.fixture
async def receiver(aiohttp_server: Callable[..., Awaitable[TestServer]]) -> Receiver:
    """A running receiver; set ``fail_first`` before events are emitted."""
    return await start_receiver(aiohttp_server)


async def set_webhook_url(db: asyncpg.Connection, url: str | None) -> None:
    """Point the seeded test merchant at ``url`` (straight in the database)."""
    await db.execute("UPDATE merchants SET webhook_url = $1 WHERE id = $2", url, TEST_MERCHANT_ID)
