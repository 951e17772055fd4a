"""Typed keys of what the aiohttp application holds (opened in ``cleanup_ctx``)."""

from __future__ import annotations

import aiohttp
import asyncpg
import procrastinate
from aiohttp import web

from payserv.gateway.outbox import Outbox
from payserv.metrics import Metrics
from payserv.settings import Settings

SETTINGS = web.AppKey("settings", Settings)
POOL = web.AppKey("pool", asyncpg.Pool)
QUEUE = web.AppKey("queue", procrastinate.App)
HTTP = web.AppKey("http", aiohttp.ClientSession)
METRICS = web.AppKey("metrics", Metrics)
OUTBOX = web.AppKey("outbox", Outbox)
