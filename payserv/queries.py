"""Named SQL queries loaded from ``payserv/sql/*.sql``.

Each query is a block that starts with ``-- name: <name>`` followed by a description
line naming its ``$n`` parameters. Names are unique across files.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

SQL_DIR = Path(__file__).parent / "sql"
_NAME = re.compile(r"^--\s*name:\s*([a-z_][a-z0-9_]*)\s*$", re.MULTILINE)


def parse_queries(text: str, source: str) -> dict[str, str]:
    """Split one .sql file into ``{name: sql}``."""
    parts = _NAME.split(text)
    queries: dict[str, str] = {}
    # parts = [preamble, name1, body1, name2, body2, ...]
    for name, body in zip(parts[1::2], parts[2::2], strict=True):
        sql = body.strip()
        if not sql:
            raise ValueError(f"{source}: query {name} is empty")
        queries[name] = sql
    return queries


@functools.cache
def all_queries() -> dict[str, str]:
    """Every named query of every file, loaded once."""
    queries: dict[str, str] = {}
    for path in sorted(SQL_DIR.glob("*.sql")):
        for name, sql in parse_queries(path.read_text(encoding="utf-8"), path.name).items():
            if name in queries:
                raise ValueError(f"{path.name}: query {name} is defined twice")
            queries[name] = sql
    return queries


def query(name: str) -> str:
    """The SQL of the query called ``name``."""
    try:
        return all_queries()[name]
    except KeyError:
        raise KeyError(f"no SQL query named {name!r} in {SQL_DIR}") from None
