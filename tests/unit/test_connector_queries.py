"""The connector knows Procrastinate's queries by name, not by searching their SQL."""

from __future__ import annotations

from procrastinate import sql

from payserv.connector import query_name, records_job_end


def test_every_procrastinate_query_has_its_name() -> None:
    assert {query_name(text) for text in sql.queries.values()} == set(sql.queries)


def test_only_finish_job_and_retry_job_record_a_job_end() -> None:
    ends = {name for name, text in sql.queries.items() if records_job_end(text)}
    assert ends == {"finish_job", "retry_job"}


def test_other_sql_naming_the_job_end_functions_is_not_a_job_end() -> None:
    # The schema script defines procrastinate_finish_job: it is not a job's end.
    schema = "CREATE FUNCTION procrastinate_finish_job(job_id bigint) ..."
    assert query_name(schema) is None
    assert not records_job_end(schema)
