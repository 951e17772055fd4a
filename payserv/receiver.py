"""``run.py listen``: a local webhook receiver that prints and verifies what payserv sends."""

from __future__ import annotations

from collections.abc import Callable

from aiohttp import web

from payserv.errors import StartupError
from payserv.gateway.listen import describe, verify_webhook
from payserv.gateway.merchants import TEST_WEBHOOK_SECRET
from payserv.serving import bind, wait_for_signal


class Receiver:
    """Answers 200 to a verified webhook and 400 to any other, printing one line for each."""

    def __init__(self, secret: str, write: Callable[[str], None]) -> None:
        self.secret = secret
        self.write = write

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        result = verify_webhook(self.secret, body, request.headers)
        status = 200 if result.verified else 400
        self.write(f"{describe(body, request.headers, result)}  -> {status}")
        return web.Response(status=status, text="ok\n" if result.verified else "not verified\n")


def receiver_app(secret: str, write: Callable[[str], None]) -> web.Application:
    """Any path takes a POST: the merchant's webhook URL may have any path."""
    app = web.Application()
    app.router.add_post("/{path:.*}", Receiver(secret, write).handle)
    return app


async def run_receiver(host: str, port: int, secret: str) -> int:
    """``listen``: print one line per webhook received until SIGTERM/SIGINT."""
    runner = web.AppRunner(receiver_app(secret, lambda line: print(line, flush=True)))
    await runner.setup()
    try:
        await bind(runner, host, port, "use --port or --host")
    except StartupError:
        await runner.cleanup()
        raise
    which = "the test merchant's" if secret == TEST_WEBHOOK_SECRET else "the given"
    print(f"listening on http://{host}:{port}/ with {which} webhook secret", flush=True)
    await wait_for_signal()
    await runner.cleanup()
    return 0
