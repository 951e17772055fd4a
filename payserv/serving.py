"""Running an aiohttp app from the command line: bind with one clear line, wait for a signal."""

from __future__ import annotations

import asyncio
import gc
import signal

from aiohttp import web

from payserv.errors import StartupError


async def bind(runner: web.AppRunner, host: str, port: int, hint: str) -> None:
    """Listen on ``host:port``; a failure is a StartupError naming the address and ``hint``."""
    try:
        await web.TCPSite(runner, host, port).start()
    except OSError as exc:  # in use, a privileged port, a host that is not this machine's
        reason = exc.strerror or str(exc)
        raise StartupError(f"cannot listen on {host}:{port} ({hint}): {reason}") from None


async def wait_for_signal() -> None:
    """Return on the first SIGTERM or SIGINT."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    await stop.wait()


def freeze_startup_heap() -> None:
    """Hide what start-up made (modules, routes, templates, settings) from the collector.

    Those objects live as long as the process; without this every full collection under
    load walks them again (a twentieth of a request's CPU went to the collector).
    """
    gc.collect()
    gc.freeze()
