"""A standalone worker process running the test jobs (to be killed with -9 by a test)."""

from __future__ import annotations

import asyncio
import sys
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from aiohttp import web

from payserv.app import create_app
from payserv.jobs import all_jobs
from payserv.logs import configure_logging
from payserv.settings import load_settings
from tests.helpers.jobs import RECORD


async def main() -> None:
    settings = replace(load_settings(), worker_poll_interval=0.1)
    configure_logging(settings)
    assert settings.database_url is not None
    app = create_app(settings, settings.database_url, serve_http=False, jobs=[*all_jobs(), RECORD])
    runner = web.AppRunner(app)
    await runner.setup()
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main())
