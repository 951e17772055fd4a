"""The named-query loader and the psycopg→asyncpg placeholder translation."""

from __future__ import annotations

import pytest
from procrastinate.sql import queries as procrastinate_queries

from payserv.connector import translate_query
from payserv.queries import all_queries, parse_queries, query


def test_blocks_are_split_by_name() -> None:
    text = "-- preamble\n-- name: one\n-- $1 id.\nSELECT $1;\n\n-- name: two\nSELECT 2;\n"
    assert parse_queries(text, "x.sql") == {"one": "-- $1 id.\nSELECT $1;", "two": "SELECT 2;"}


def test_empty_query_is_an_error() -> None:
    with pytest.raises(ValueError, match="empty"):
        parse_queries("-- name: nothing\n\n", "x.sql")


def test_project_queries_load_and_unknown_names_fail() -> None:
    assert "insert_user" in all_queries()
    with pytest.raises(KeyError, match="no_such_query"):
        query("no_such_query")


def test_repeated_names_share_one_placeholder() -> None:
    translated = translate_query("SELECT %(a)s, %(b)s, %(a)s, '100%%'")
    assert translated.sql == "SELECT $1, $2, $1, '100%'"
    assert translated.names == ("a", "b")
    assert translated.arguments({"a": 1, "b": 2}) == [1, 2]


def test_text_concatenated_parameters_are_sent_as_text() -> None:
    translated = translate_query(procrastinate_queries["delete_old_jobs"])
    assert translated.text_names == {"nb_hours"}
    values = {"nb_hours": 3, "queue": None, "statuses": ["succeeded"]}
    assert "3" in translated.arguments(values)
    # The same name elsewhere is a number: only the concatenation decides.
    prune = translate_query(procrastinate_queries["prune_stalled_workers"])
    assert prune.arguments({"seconds_since_heartbeat": 30.0}) == [30.0]
