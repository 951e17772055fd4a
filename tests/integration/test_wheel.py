"""The wheel as the image builds it, installed in a venv outside the source tree and run.

The Docker image builds its wheel from the files its build stage copies (Dockerfile), so the
wheel here is built from exactly those files; no Docker engine is needed to check that the
installed package holds everything (``schema.sql``, ``templates/``, static files, SQL) and
that its ``payserv`` command migrates, serves and stops cleanly.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import aiohttp
import pytest

from bench.common import free_port
from tests.helpers.processes import ROOT, Payserv, wait_serving

# The settings of the machine running the tests must not reach the installed payserv.
UNSET = ("DATABASE_URL", "SECRET_KEY", "PYTHONPATH", "PAYSERV_DATA_DIR", "PORT", "HOST")


def build_stage_sources() -> list[str]:
    """What the Dockerfile's build stage copies (``COPY a b ./``, ``COPY payserv ./payserv``)."""
    sources: list[str] = []
    for line in (ROOT / "Dockerfile").read_text().splitlines():
        words = line.split()
        if words[:1] == ["COPY"] and not words[1].startswith("--"):
            *copied, destination = words[1:]
            assert destination in ("./", f"./{copied[0]}"), line  # copied to the same path
            sources += copied
    return sources


def build_wheel(work: Path) -> Path:
    """The wheel ``pip wheel`` builds from a copy of the Dockerfile's build context."""
    source = work / "src"
    skipped = shutil.ignore_patterns("__pycache__")  # as .dockerignore does
    for name in build_stage_sources():
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, source / name, ignore=skipped)
        else:
            source.mkdir(exist_ok=True)
            shutil.copy2(ROOT / name, source / name)
    pip = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "--wheel-dir"]
    subprocess.run([*pip, str(work / "dist"), str(source)], check=True, timeout=300)
    (wheel,) = (work / "dist").glob("payserv-*.whl")
    return wheel


@pytest.fixture(scope="module")
def wheel_and_venv(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The built wheel and a venv it is installed in (dependencies from this interpreter's)."""
    work = tmp_path_factory.mktemp("wheel")
    wheel = build_wheel(work)
    venv = work / "venv"
    # --system-site-packages: the dependencies are already here; --no-index proves they suffice.
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)], check=True)
    install = [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", "--no-index"]
    subprocess.run([*install, str(wheel)], check=True, timeout=300)
    return wheel, venv


def venv_env(**extra: str) -> dict[str, str]:
    """The environment of a payserv run from the venv, as a new user has it."""
    env = {key: value for key, value in os.environ.items() if key not in UNSET}
    return {**env, "LOG_FORMAT": "json", **extra}


def run_in(venv: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """A command from ``venv/bin`` run in ``cwd`` (outside the source tree)."""
    command = [str(venv / "bin" / args[0]), *args[1:]]
    return subprocess.run(
        command, cwd=cwd, env=venv_env(), capture_output=True, text=True, timeout=120
    )


def test_the_wheel_holds_the_schema_templates_static_files_and_sql(
    wheel_and_venv: tuple[Path, Path],
) -> None:
    names = set(zipfile.ZipFile(wheel_and_venv[0]).namelist())
    assert {"payserv/schema.sql", "payserv/openapi.json", "payserv/sql/gateway.sql"} <= names
    for page in (ROOT / "templates").rglob("*.html"):
        assert f"payserv/templates/{page.relative_to(ROOT / 'templates')}" in names
    assert {f"payserv/static/{f.name}" for f in (ROOT / "payserv" / "static").iterdir()} <= names
    assert any(name.endswith("entry_points.txt") for name in names)


def test_the_venv_imports_the_installed_wheel_not_the_source_tree(
    wheel_and_venv: tuple[Path, Path], tmp_path: Path
) -> None:
    venv = wheel_and_venv[1]
    code = "import payserv.app as a, payserv.migrate as m; print(a.TEMPLATES_DIR, m.SCHEMA_PATH)"
    result = run_in(venv, tmp_path, "python", "-c", code)
    assert result.returncode == 0, result.stderr
    templates, schema = map(Path, result.stdout.split())
    assert templates.is_relative_to(venv) and (templates / "base.html").is_file()
    assert schema.is_relative_to(venv) and schema.is_file()


@pytest.mark.parametrize("command", [["python", "-m", "payserv"], ["payserv"]])
def test_payserv_and_python_m_payserv_have_run_pys_commands(
    wheel_and_venv: tuple[Path, Path], tmp_path: Path, command: list[str]
) -> None:
    result = run_in(wheel_and_venv[1], tmp_path, *command, "--help")
    assert result.returncode == 0, result.stderr
    assert f"usage: {' '.join(command)}" in result.stdout
    for name in ("serve", "web", "worker", "migrate", "createuser", "seed", "psql", "listen"):
        assert name in result.stdout


async def test_the_installed_payserv_migrates_serves_pages_and_stops_on_sigterm(
    wheel_and_venv: tuple[Path, Path], tmp_path: Path
) -> None:
    venv = wheel_and_venv[1]
    data = {"PAYSERV_DATA_DIR": str(tmp_path / "data")}
    migrated = subprocess.run(
        [str(venv / "bin" / "payserv"), "migrate"],
        cwd=tmp_path,
        env=venv_env(**data),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert migrated.returncode == 0, migrated.stderr
    assert "schema applied" in migrated.stdout
    child = start_installed(venv, tmp_path, data)
    try:
        await wait_serving(child)
        await assert_pages_render(child.url)
        child.terminate()
        assert await child.exit_code(timeout=60) == 0, child.output()
    finally:
        if child.process.poll() is None:
            child.process.kill()
            child.process.wait(timeout=10)


def start_installed(venv: Path, cwd: Path, data: dict[str, str]) -> Payserv:
    """``payserv serve`` from the venv, on a free local port; its output goes to a log."""
    port = free_port()
    env = venv_env(**data, HOST="127.0.0.1", PORT=str(port), SHUTDOWN_TIMEOUT="5")
    log = cwd / "serve.log"
    with log.open("ab") as output:
        process = subprocess.Popen(
            [str(venv / "bin" / "payserv"), "serve"],
            cwd=cwd,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    return Payserv(process, f"http://127.0.0.1:{port}", log)


async def assert_pages_render(url: str) -> None:
    """A page from the wheel's templates, and the stylesheet from its static files."""
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{url}/dashboard/login") as response:
            page = await response.text()
            assert response.status == 200, page
        assert 'data-test-id="login-form"' in page and "/static/payserv.css" in page
        async with http.get(f"{url}/static/payserv.css") as response:
            assert response.status == 200
            assert response.content_type == "text/css"
