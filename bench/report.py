"""One table of every benchmark figure next to its same-run baseline (``python -m bench``).

``collect`` runs the job, bank and gateway benchmarks against one PostgreSQL (and one
payserv for the HTTP ones); ``rows`` and ``render`` turn their JSON into a Markdown table.
"""

from __future__ import annotations

import os
import platform
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg

from bench import bank, gateway, jobs, pool
from bench.common import bench_database, bench_server, payserv_server


@dataclass(frozen=True)
class Sizes:
    """How much work each benchmark does."""

    bank_n: int = 2000
    bank_concurrency: int = 20
    gateway_n: int = 500
    gateway_concurrency: int = 16
    jobs_n: int = 2000
    jobs_repeat: int = 3
    pool_n: int = 5000
    timeout: float = 300.0


@dataclass(frozen=True)
class Row:
    """A figure of payserv, its baseline (if it has one) and latencies in ms."""

    figure: str
    unit: str
    value: float
    baseline_name: str = ""
    baseline: float | None = None
    p50_ms: float | None = None
    p99_ms: float | None = None
    baseline_p50_ms: float | None = None
    baseline_p99_ms: float | None = None

    @property
    def ratio(self) -> float | None:
        return round(self.value / self.baseline, 2) if self.baseline else None


async def collect(sizes: Sizes) -> dict[str, Any]:
    """Run every benchmark on one server; the result is JSON-ready."""
    async with bench_server() as server_dsn:
        # Jobs first, on databases of their own, while no payserv competes for the CPU.
        jobs_figures = await jobs.measure(server_dsn, sizes.jobs_n, sizes.jobs_repeat)
        pool_figures = await pool.measure(server_dsn, sizes.pool_n, sizes.jobs_repeat)
        async with (
            gateway.webhook_receiver() as receiver,
            bench_database(server_dsn) as dsn,
            payserv_server(dsn, **gateway.payserv_env(receiver)) as url,
        ):
            bank_figures = await bank.measure(url, dsn, sizes.bank_n, sizes.bank_concurrency)
            gateway_figures = await gateway.measure(
                url, dsn, receiver, sizes.gateway_n, sizes.gateway_concurrency, sizes.timeout
            )
            machine = await describe_machine(dsn)
        async with gateway.webhook_receiver() as receiver, bench_database(server_dsn) as dsn:
            gateway_figures["per_payment"] = await gateway.count_per_payment(
                dsn, receiver, sizes.gateway_n, sizes.gateway_concurrency, sizes.timeout
            )
            gateway_figures["topologies"] = await gateway.measure_topologies(
                server_dsn, receiver, sizes.gateway_n, sizes.gateway_concurrency, sizes.timeout
            )
    return {
        "machine": machine,
        "bank": bank_figures,
        "gateway": gateway_figures,
        "jobs": jobs_figures,
        "pool": pool_figures,
    }


async def describe_machine(dsn: str) -> dict[str, Any]:
    """CPU count and model, Python and PostgreSQL versions."""
    conn = await asyncpg.connect(dsn)
    try:
        postgres = await conn.fetchval("SHOW server_version")
    finally:
        await conn.close()
    return {
        "cpus": os.cpu_count(),
        "cpu_model": _cpu_model(),
        "python": platform.python_version(),
        "postgresql": postgres,
    }


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def rows(results: dict[str, Any]) -> list[Row]:
    """The table's rows, from :func:`collect`'s result."""
    bank_figures, gw, job = results["bank"], results["gateway"], results["jobs"]
    checkouts = results["pool"]["checkouts_per_s"]
    credit = bank_figures["raw_asyncpg_credit"]
    raw_order = gw["orders"]["raw_sql_insert"]
    payments = gw["payments_to_success_webhook"]
    psycopg = "no-op job, stock psycopg connector"
    return [
        _http_row("Bank webhook, new operation", bank_figures["distinct_operations"], credit),
        _http_row("Bank webhook, duplicate storm", bank_figures["duplicate_storm"], credit),
        _http_row("Gateway order create", gw["orders"]["http"], raw_order),
        Row(
            "Gateway payment → success webhook",
            "payments/s",
            payments["payments_per_s"],
            p50_ms=payments["p50_ms"],
            p99_ms=payments["p99_ms"],
        ),
        Row(
            "Gateway payment → success webhook, one at a time",
            "ms",
            gw["unloaded_payment_to_success_webhook"]["p50_ms"],
            p50_ms=gw["unloaded_payment_to_success_webhook"]["p50_ms"],
            p99_ms=gw["unloaded_payment_to_success_webhook"]["p99_ms"],
        ),
        Row(
            "Gateway e2e, `web` + 2 `worker` processes",
            "payments/s",
            gw["topologies"]["web_2_workers"]["payments_per_s"],
            "one `serve` process",
            gw["topologies"]["serve"]["payments_per_s"],
            gw["topologies"]["web_2_workers"]["p50_ms"],
            gw["topologies"]["web_2_workers"]["p99_ms"],
            gw["topologies"]["serve"]["p50_ms"],
            gw["topologies"]["serve"]["p99_ms"],
        ),
        Row(
            "Gateway SQL statements per payment (counted)",
            "statements",
            gw["per_payment"]["sql_statements"],
        ),
        Row(
            "Gateway queued jobs per payment (counted)",
            "jobs",
            gw["per_payment"]["queued_jobs"],
        ),
        Row(
            "Job defer (asyncpg connector)",
            "defers/s",
            job["asyncpg"]["defers_per_s"],
            psycopg,
            job["psycopg"]["defers_per_s"],
        ),
        Row(
            "No-op job run (asyncpg connector)",
            "jobs/s",
            job["asyncpg"]["jobs_per_s"],
            psycopg,
            job["psycopg"]["jobs_per_s"],
        ),
        Row(
            "No-op job run (payserv's worker)",
            "jobs/s",
            job["payserv_worker"]["jobs_per_s"],
            "Procrastinate's worker, same connector",
            job["asyncpg"]["jobs_per_s"],
        ),
        Row(
            "Pool checkout (acquire, SELECT 1, release)",
            "checkouts/s",
            checkouts["payserv"],
            "asyncpg's default reset on release",
            checkouts["asyncpg_default"],
        ),
    ]


def _http_row(figure: str, http: dict[str, Any], raw: dict[str, Any]) -> Row:
    raw_rate = raw.get("transactions_per_s", raw.get("inserts_per_s"))
    raw_name = "raw SQL credit transaction" if "transactions_per_s" in raw else "raw SQL insert"
    return Row(
        figure,
        "requests/s",
        http["requests_per_s"],
        raw_name,
        raw_rate,
        http["p50_ms"],
        http["p99_ms"],
        raw["p50_ms"],
        raw["p99_ms"],
    )


HEADER = ("Figure", "payserv", "Baseline", "Baseline rate", "Ratio", "p50 ms", "p99 ms")


def render(results: dict[str, Any]) -> str:
    """A Markdown table (latencies as ``payserv / baseline``) and a line about the machine."""
    lines = [_line(HEADER), _line(tuple("---" for _ in HEADER))]
    for row in rows(results):
        lines.append(
            _line(
                (
                    row.figure,
                    f"{row.value:,.1f} {row.unit}",
                    row.baseline_name or "—",
                    _number(row.baseline),
                    _number(row.ratio, "{:.2f}×"),
                    _pair(row.p50_ms, row.baseline_p50_ms),
                    _pair(row.p99_ms, row.baseline_p99_ms),
                )
            )
        )
    machine = results["machine"]
    lines.append("")
    lines.append(
        f"{machine['cpus']} CPUs ({machine['cpu_model']}), Python {machine['python']}, "
        f"PostgreSQL {machine['postgresql']}; N = {_sizes_line(results)}"
    )
    return "\n".join(lines)


def _sizes_line(results: dict[str, Any]) -> str:
    bank_figures, gw, job = results["bank"], results["gateway"], results["jobs"]
    return (
        f"{bank_figures['n']} bank webhooks ({bank_figures['concurrency']} in flight), "
        f"{gw['n']} gateway orders and payments ({gw['concurrency']} in flight), "
        f"{job['jobs']} jobs × {job['repeat']} runs (medians)"
    )


def _line(cells: tuple[str, ...]) -> str:
    return "| " + " | ".join(cells) + " |"


def _number(value: float | None, fmt: str = "{:,.1f}") -> str:
    return "—" if value is None else fmt.format(value)


def _pair(value: float | None, baseline: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:.1f}" if baseline is None else f"{value:.1f} / {baseline:.1f}"
