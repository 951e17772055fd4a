"""``run.py`` as a user runs it: real processes, real Postgres."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from bench.common import free_port
from tests.conftest import EmptyDatabase
from tests.helpers.cli import external_env, run_cli
from tests.helpers.db import admin_connect

COMMANDS = [
    "serve",
    "web",
    "worker",
    "migrate",
    "createuser",
    "createmerchant",
    "merchantpassword",
    "seed",
    "psql",
    "listen",
]


@pytest.fixture
async def empty_dsn(empty_database: EmptyDatabase) -> str:
    """A database with nothing in it (not cloned from the migrated template)."""
    return await empty_database()


@pytest.mark.parametrize("command", [None, *COMMANDS])
def test_every_command_has_help(repo_root: Path, command: str | None) -> None:
    result = run_cli(repo_root, *([command] if command else []), "--help", env={})
    assert result.returncode == 0, result.stderr
    assert "usage: run.py" in result.stdout


def test_migrate_twice_is_a_no_op(repo_root: Path, empty_dsn: str) -> None:
    first = run_cli(repo_root, "migrate", env=external_env(empty_dsn))
    assert first.returncode == 0, first.stderr
    assert "schema applied" in first.stdout
    second = run_cli(repo_root, "migrate", env=external_env(empty_dsn))
    assert second.returncode == 0, second.stderr
    assert "already up to date" in second.stdout


async def test_migrate_refuses_foreign_and_partial_schemas(repo_root: Path, empty_dsn: str) -> None:
    conn = await admin_connect(empty_dsn)
    await conn.execute("CREATE TABLE invoices (id int)")
    foreign = run_cli(repo_root, "migrate", env=external_env(empty_dsn))
    assert foreign.returncode == 1
    assert "invoices" in foreign.stderr and "did not create" in foreign.stderr
    await conn.execute("DROP TABLE invoices; CREATE TABLE payserv_meta (key text, value text)")
    partial = run_cli(repo_root, "migrate", env=external_env(empty_dsn))
    assert partial.returncode == 1
    assert "partly applied" in partial.stderr
    await conn.close()


def test_missing_secret_key_with_database_url_is_a_clear_error(
    repo_root: Path, empty_dsn: str
) -> None:
    result = run_cli(repo_root, "migrate", env={"DATABASE_URL": empty_dsn, "SECRET_KEY": ""})
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def _one_clear_line(result: subprocess.CompletedProcess[str]) -> str:
    """The failure's one line: logs are JSON lines (LOG_FORMAT=json), it is the only other."""
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert "Traceback" not in output, output
    logs = [json.loads(line) for line in result.stderr.splitlines() if line.startswith("{")]
    assert [log for log in logs if "exception" in log] == []
    lines = [line for line in result.stderr.splitlines() if line and not line.startswith("{")]
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_bad_setting_names_the_variable(repo_root: Path) -> None:
    result = run_cli(repo_root, "migrate", env={"PORT": "eighty"})
    assert result.returncode == 2
    assert "PORT" in _one_clear_line(result)


@pytest.mark.parametrize("command", ["serve", "web", "worker", "migrate"])
def test_unreachable_database_names_database_url(repo_root: Path, command: str) -> None:
    url = f"postgresql://payserv:hunter2-pass@127.0.0.1:{free_port()}/payserv"
    result = run_cli(repo_root, command, env={"DATABASE_URL": url, "SECRET_KEY": "k" * 32})
    line = _one_clear_line(result)
    assert "DATABASE_URL" in line and "127.0.0.1" in line and "refused" in line
    assert "hunter2-pass" not in result.stdout + result.stderr


def test_database_url_that_is_no_postgres_url_names_it(repo_root: Path) -> None:
    url = "mysql://payserv@127.0.0.1/payserv"
    result = run_cli(repo_root, "web", env={"DATABASE_URL": url, "SECRET_KEY": "k" * 32})
    assert "DATABASE_URL" in _one_clear_line(result)


def test_unusable_data_dir_names_payserv_data_dir(repo_root: Path, tmp_path: Path) -> None:
    not_a_dir = tmp_path / "file"
    not_a_dir.write_text("")
    env = {"PAYSERV_DATA_DIR": str(not_a_dir), "DATABASE_URL": "", "SECRET_KEY": ""}
    assert "PAYSERV_DATA_DIR" in _one_clear_line(run_cli(repo_root, "migrate", env=env))


@pytest.mark.parametrize("command", ["serve", "web"])
def test_port_in_use_is_one_line_and_stops_cleanly(repo_root: Path, dsn: str, command: str) -> None:
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        env = {**external_env(dsn), "HOST": "127.0.0.1", "PORT": str(port)}
        result = run_cli(repo_root, command, env=env)
    line = _one_clear_line(result)
    assert f"127.0.0.1:{port}" in line and "in use" in line and "PORT" in line
    assert "payserv_started" not in result.stderr


def test_createuser_from_stdin_then_duplicate_fails(repo_root: Path, dsn: str) -> None:
    env = external_env(dsn)
    created = run_cli(
        repo_root,
        "createuser",
        "bob",
        "--superuser",
        "--password-stdin",
        env=env,
        stdin="s3cret-pass\n",
    )
    assert created.returncode == 0, created.stderr
    assert json.loads(created.stdout.strip().splitlines()[-1]) == {
        "id": 1,
        "username": "bob",
        "is_superuser": True,
    }
    again = run_cli(
        repo_root, "createuser", "bob", "--password-stdin", env=env, stdin="other-pass\n"
    )
    assert again.returncode == 1
    assert "already exists" in again.stderr
    assert "s3cret-pass" not in created.stderr + created.stdout


def test_psql_opens_the_configured_database(repo_root: Path, dsn: str) -> None:
    result = run_cli(
        repo_root,
        "psql",
        env=external_env(dsn),
        stdin="SELECT count(*) AS jobs FROM procrastinate_jobs;\n",
    )
    assert result.returncode == 0, result.stderr
    assert "jobs" in result.stdout


def test_zero_config_run_uses_embedded_postgres_and_stops_cleanly(
    repo_root: Path, tmp_path: Path
) -> None:
    port = free_port()
    env = {
        **os.environ,
        "PAYSERV_DATA_DIR": str(tmp_path / "data"),
        "PORT": str(port),
        "LOG_FORMAT": "json",
    }
    env.pop("DATABASE_URL", None)
    env.pop("SECRET_KEY", None)
    process = subprocess.Popen(
        [sys.executable, "run.py"],
        cwd=repo_root,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        health = _wait_for_health(port, process)
        assert health["database"] == "connected"
        assert health["status"] == "healthy"
        assert (tmp_path / "data" / "pgdata" / "PG_VERSION").exists()
        assert (tmp_path / "data" / "secret_key").stat().st_mode & 0o077 == 0
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=60) == 0
    finally:
        if process.poll() is None:
            process.kill()
    # The data is kept: a second migrate finds the schema in place.
    again = run_cli(
        repo_root,
        "migrate",
        env={"PAYSERV_DATA_DIR": str(tmp_path / "data"), "DATABASE_URL": "", "SECRET_KEY": ""},
    )
    assert again.returncode == 0, again.stderr
    assert "already up to date" in again.stdout


def _wait_for_health(port: int, process: subprocess.Popen[str]) -> dict[str, str]:
    deadline = time.monotonic() + 60
    last: dict[str, str] = {}
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(
                f"payserv exited: {process.stdout.read() if process.stdout else ''}"
            )
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as resp:
                last = json.loads(resp.read())
                if last.get("worker") == "running":
                    return last
        except OSError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"payserv never became healthy: {last}")


async def test_createmerchant_and_merchantpassword_set_the_dashboard_password(
    repo_root: Path, dsn: str
) -> None:
    from payserv.database import connect
    from payserv.gateway.sessions import check_password

    env = external_env(dsn)
    short = run_cli(
        repo_root, "createmerchant", "a@example.com", "--password-stdin", env=env, stdin="short\n"
    )
    assert short.returncode == 1 and "at least 8 characters" in short.stderr
    created = run_cli(
        repo_root,
        "createmerchant",
        "a@example.com",
        "--password-stdin",
        env=env,
        stdin="first-password\n",
    )
    assert created.returncode == 0, created.stderr
    merchant_id = json.loads(created.stdout.strip().splitlines()[-1])["id"]
    # No --password-stdin and no terminal: no password, so no dashboard login.
    silent = run_cli(repo_root, "createmerchant", "b@example.com", env=env, stdin="")
    assert silent.returncode == 0, silent.stderr
    changed = run_cli(
        repo_root,
        "merchantpassword",
        "a@example.com",
        "--password-stdin",
        env=env,
        stdin="second-password\n",
    )
    assert changed.returncode == 0, changed.stderr
    unknown = run_cli(
        repo_root, "merchantpassword", "c@example.com", "--password-stdin", env=env, stdin="x" * 9
    )
    assert unknown.returncode == 1 and "no merchant" in unknown.stderr
    conn = await connect(dsn)
    try:
        assert await check_password(conn, "a@example.com", "first-password") is None
        assert str(await check_password(conn, "a@example.com", "second-password")) == merchant_id
        assert await check_password(conn, "b@example.com", "") is None
        assert await conn.fetchval(
            "SELECT dashboard_password_hash IS NULL FROM merchants WHERE email = 'b@example.com'"
        )
    finally:
        await conn.close()
    assert "first-password" not in created.stdout + created.stderr


def test_psql_passes_its_arguments_to_psql(repo_root: Path, dsn: str) -> None:
    result = run_cli(repo_root, "psql", "-At", "-c", "select 1", env=external_env(dsn))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "1"
