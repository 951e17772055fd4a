"""``python -m bench`` runs every benchmark (tiny N) and prints one full table.

Figures are printed, never asserted: the machine's cores are shared.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import sys
from pathlib import Path

from bench.common import ROUNDS

ROWS = (
    "Bank webhook, new operation",
    "Bank webhook, duplicate storm",
    "Gateway order create",
    "Gateway payment → success webhook",
    "Gateway payment → success webhook, one at a time",
    "Gateway e2e, `web` + 2 `worker` processes",
    "Job defer (asyncpg connector)",
    "No-op job run (asyncpg connector)",
    "Pool checkout (acquire, SELECT 1, release)",
)
NUMBER = r"\d[\d,]*\.\d"
LATENCY = rf"{NUMBER} / {NUMBER}"
N = 10


async def test_bench_prints_every_figure_with_its_baseline_and_latencies(
    server_dsn: str, repo_root: Path
) -> None:
    # On the tests' server: each benchmark makes (and drops) databases of its own there.
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bench",
        "--n",
        str(N),
        "--repeat",
        "1",
        "--json",
        cwd=repo_root,
        env={**os.environ, "DATABASE_URL": server_dsn},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=240)
    assert process.returncode == 0, stderr.decode()
    table, _, json_text = stdout.decode().partition("\n\n{")
    lines = table.splitlines()

    assert lines[0].startswith("| Figure | payserv | Baseline | Baseline rate | Ratio |")
    for title in ROWS:
        [row] = [line for line in lines if line.startswith(f"| {title} |")]
        _, value, _, baseline, ratio, p50, p99 = (cell.strip() for cell in row[1:-1].split("|"))
        if title.endswith("one at a time"):
            # Unloaded latency: the figure is the p50 itself.
            assert re.fullmatch(rf"{NUMBER} ms", value) and re.fullmatch(NUMBER, p50), row
            continue
        assert re.fullmatch(rf"{NUMBER} \S+/s", value), row
        if title.startswith("Gateway payment"):
            # End to end through the worker: latencies, no raw baseline.
            assert (baseline, ratio) == ("—", "—"), row
            assert re.fullmatch(NUMBER, p50) and re.fullmatch(NUMBER, p99), row
            continue
        assert re.fullmatch(NUMBER, baseline) and re.fullmatch(r"\d+\.\d\d×", ratio), row
        if title.startswith(("Bank", "Gateway")):
            # Request latencies as "payserv / baseline".
            assert re.fullmatch(LATENCY, p50) and re.fullmatch(LATENCY, p99), row
    assert "CPUs" in lines[-1] and "PostgreSQL" in lines[-1]

    figures = json.loads("{" + json_text)
    bank, orders = figures["bank"], figures["gateway"]["orders"]
    # Each rate is the median of ROUNDS runs alternating with its baseline's.
    assert bank["credits_recorded"] == bank["credits_expected"] == 2 * N * ROUNDS + 1
    for run in (bank["distinct_operations"], bank["raw_asyncpg_credit"]):
        assert run["rounds"] == ROUNDS
    assert orders["http"]["rounds"] == orders["raw_sql_insert"]["rounds"] == ROUNDS
    assert figures["gateway"]["payments_to_success_webhook"]["delivered"] == N
    for topology in ("serve", "web_2_workers"):
        assert figures["gateway"]["topologies"][topology]["delivered"] == N
    assert figures["jobs"]["jobs"] == N
    # Counted, not timed: payserv's release sends nothing, asyncpg's default one reset query.
    # (Rounded: a stray autovacuum transaction may land in the same database counter.)
    trips = figures["pool"]["round_trips_per_checkout"]
    assert (round(trips["payserv"]), round(trips["asyncpg_default"])) == (1, 2)
