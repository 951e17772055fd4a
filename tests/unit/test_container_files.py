"""The image's and compose's files, checked as text and YAML (no Docker engine on the test
machines); tests/integration/test_wheel.py builds and runs the wheel the image installs."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

from payserv.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
PAYSERV_SERVICES = ("web", "worker")


def _lines(name: str) -> list[str]:
    text = (ROOT / name).read_text()
    return [line.strip() for line in text.splitlines() if line.strip()]


def _compose() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return document


def _services() -> dict[str, dict[str, Any]]:
    services: dict[str, dict[str, Any]] = _compose()["services"]
    return services


def _seconds(duration: str) -> float:
    """A compose duration (``40s``, ``1m30s``) in seconds."""
    units = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001}
    parts = re.findall(r"(\d+(?:\.\d+)?)(ms|h|m|s)", duration)
    assert parts and "".join(n + u for n, u in parts) == duration, duration
    return sum(float(number) * units[unit] for number, unit in parts)


def test_build_context_leaves_out_data_secrets_history_and_tests() -> None:
    patterns = [line for line in _lines(".dockerignore") if not line.startswith("#")]
    ignored = {line.rstrip("/") for line in patterns}
    assert {".payserv", ".env", ".git", "tests", "test-artifacts", "bench/results"} <= ignored
    assert {".mypy_cache", ".ruff_cache", ".pytest_cache"} <= ignored
    # A bare "__pycache__" only matches at the root of the context: these are everywhere.
    assert {"**/__pycache__", "**/*.pyc", "**/*.egg-info"} <= ignored


def test_an_init_is_pid_1() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "apt-get install -y --no-install-recommends tini" in dockerfile
    assert 'ENTRYPOINT ["/usr/bin/tini", "--"]' in dockerfile


def test_healthcheck_asks_port_after_a_start_period() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    healthcheck = dockerfile[dockerfile.index("HEALTHCHECK") :].split("\n#")[0]
    assert re.search(r"--start-period=\d+s", healthcheck)
    assert "os.environ['PORT']" in healthcheck
    assert "8000" not in healthcheck


def test_image_installs_the_built_wheel_and_runs_the_payserv_command() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "pip install -e" not in dockerfile and "--editable" not in dockerfile
    assert re.search(r"pip wheel .*--wheel-dir /wheels \.", dockerfile)
    assert "COPY --from=build /wheels /wheels" in dockerfile
    assert "pip install --no-cache-dir /wheels/*.whl" in dockerfile
    assert dockerfile.rstrip().endswith('CMD ["payserv", "serve"]')
    # The run stage has no source tree: only the wheel's installed package.
    run_stage = dockerfile[dockerfile.rindex("FROM ") :]
    assert [line for line in run_stage.splitlines() if line.startswith("COPY")] == [
        "COPY --from=build /wheels /wheels"
    ]


def test_compose_runs_postgres_18_with_a_volume_and_a_readiness_check() -> None:
    db = _services()["db"]
    assert re.fullmatch(r"postgres:18(\.\d+)*(-[a-z]+)?", db["image"])
    # From 18 the image keeps PGDATA in /var/lib/postgresql/18/docker: mount the parent.
    (volume,) = db["volumes"]
    name, target = volume.split(":")
    assert target == "/var/lib/postgresql" and name in _compose()["volumes"]
    assert "pg_isready" in " ".join(db["healthcheck"]["test"])


def test_compose_runs_one_web_and_two_workers_from_the_dockerfile() -> None:
    services = _services()
    assert set(services) == {"db", *PAYSERV_SERVICES}
    assert services["web"]["command"] == ["payserv", "web"]
    assert services["worker"]["command"] == ["payserv", "worker"]
    assert services["web"].get("deploy", {}).get("replicas", 1) == 1
    assert services["worker"]["deploy"]["replicas"] == 2
    for name in PAYSERV_SERVICES:
        assert services[name]["build"] == ".", name
        assert services[name]["depends_on"]["db"]["condition"] == "service_healthy", name


def test_every_process_shares_one_required_secret_key() -> None:
    keys = {_services()[name]["environment"]["SECRET_KEY"] for name in PAYSERV_SERVICES}
    (key,) = keys
    # ${SECRET_KEY:?…}: compose refuses to start without one rather than each making its own.
    assert re.fullmatch(r"\$\{SECRET_KEY:\?.+\}", key)


def test_database_url_points_at_the_db_service() -> None:
    db = _services()["db"]["environment"]
    for name in PAYSERV_SERVICES:
        url = urlsplit(_services()[name]["environment"]["DATABASE_URL"])
        assert url.scheme == "postgresql" and url.hostname == "db", name
        assert url.username == db["POSTGRES_USER"] and url.path == f"/{db['POSTGRES_DB']}"
        assert url.password == db["POSTGRES_PASSWORD"]


@pytest.mark.parametrize("name", PAYSERV_SERVICES)
def test_stop_grace_period_exceeds_the_shutdown_timeout(name: str) -> None:
    service = _services()[name]
    timeout = float(service["environment"].get("SHUTDOWN_TIMEOUT", Settings.shutdown_timeout))
    assert _seconds(service["stop_grace_period"]) > timeout


@pytest.mark.parametrize("name", PAYSERV_SERVICES)
def test_every_process_runs_under_an_init(name: str) -> None:
    service = _services()[name]
    # Either compose's init, or the image's entrypoint (tini, test_an_init_is_pid_1) unchanged.
    assert service.get("init") is True or "entrypoint" not in service


def test_web_is_health_checked_on_port_and_workers_are_not() -> None:
    web, worker = (_services()[name] for name in PAYSERV_SERVICES)
    # web keeps the image's HEALTHCHECK (on $PORT, above); it publishes that same port.
    assert "healthcheck" not in web and "PORT" not in web["environment"]
    image_port = re.search(r"PORT=(\d+)", (ROOT / "Dockerfile").read_text())
    assert image_port is not None
    assert [port.rsplit(":", 1)[1] for port in web["ports"]] == [image_port[1]]
    assert worker["healthcheck"] == {"disable": True}  # a worker serves no HTTP
