"""A standalone worker process running the test jobs (killed or SIGTERMed by tests)."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from payserv.app import create_app
from payserv.cli import run_until_signal
from payserv.jobs import all_jobs
from payserv.logs import configure_logging
from payserv.settings import load_settings
from tests.helpers.jobs import RECORD


async def main() -> None:
    settings = load_settings()
    configure_logging(settings)
    assert settings.database_url is not None
    app = create_app(settings, settings.database_url, serve_http=False, jobs=[*all_jobs(), RECORD])
    await run_until_signal(app, settings, listen=False, command="worker")


if __name__ == "__main__":
    asyncio.run(main())
