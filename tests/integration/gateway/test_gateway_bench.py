"""The gateway benchmark's counts (never its timings): one queued job per payment, and the
SQL statements a payment costs, counted on the wire from order create to its last webhook."""

from __future__ import annotations

from bench.common import bench_database
from bench.gateway import count_per_payment, webhook_receiver

# Counted on this code: 17.9 to 19.2 at this N (about 13 a payment, plus the type
# introspection of each new pool connection, which a small N shares among few payments);
# 21 to 24 before settling lost its read and the worker fetched a batch per statement, 29
# before payments locked and wrote in one statement and attempts were recorded in batches,
# 47.5 before the webhook outbox.
MOST_STATEMENTS = 23


async def test_a_payment_queues_one_job_and_sends_few_statements(server_dsn: str) -> None:
    # A database of the benchmark's own (empty: payserv migrates and seeds it, with its key).
    async with webhook_receiver() as receiver, bench_database(server_dsn) as dsn:
        counted = await count_per_payment(dsn, receiver, n=20, concurrency=4, timeout=60)
    assert counted["queued_jobs"] == 1.0
    assert counted["sql_statements"] <= MOST_STATEMENTS, counted
