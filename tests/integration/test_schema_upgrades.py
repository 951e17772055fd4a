"""``migrate`` upgrades a database made by an earlier schema to exactly what schema.sql makes.

tests/fixtures/schemas/<hash>.sql are the schemas earlier payserv versions created databases
with. Each is applied as that version's ``migrate`` did, then today's ``migrate`` must bring
the database to the same catalog as a fresh one — the same columns, constraints, indexes,
functions and triggers — keeping its rows. A change to schema.sql without an upgrade from
the previous schema makes these tests fail.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import asyncpg
import pytest
from procrastinate.schema import SchemaManager

from payserv.database import connect
from payserv.migrate import SchemaError, migrate, schema_hash
from payserv.queries import query
from tests.conftest import EmptyDatabase

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "schemas"
EARLIER_SCHEMAS = sorted(FIXTURES.glob("*.sql"))

# The catalog that defines "the same schema" (column order aside: payserv reads rows by name).
CATALOG = {
    "columns": """SELECT table_name, column_name, data_type, is_nullable, column_default
                  FROM information_schema.columns WHERE table_schema = 'public'""",
    "constraints": """SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid)
                      FROM pg_constraint WHERE connamespace = 'public'::regnamespace""",
    "indexes": "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public'",
    "functions": """SELECT proname, pg_get_function_arguments(oid), prosrc
                    FROM pg_proc WHERE pronamespace = 'public'::regnamespace""",
    "triggers": """SELECT tgname, pg_get_triggerdef(oid) FROM pg_trigger
                   WHERE NOT tgisinternal""",
}


async def made_by_earlier_payserv(dsn: str, schema: Path) -> asyncpg.Connection:
    """A database as that version's ``migrate`` left it: its schema, Procrastinate's, its hash."""
    conn = await connect(dsn)
    async with conn.transaction():
        await conn.execute(schema.read_text(encoding="utf-8"))
        await conn.execute(SchemaManager.get_schema())
        await conn.execute(query("set_meta"), "schema_hash", schema.stem)
    return conn


async def catalog(conn: asyncpg.Connection) -> dict[str, set[tuple[object, ...]]]:
    return {name: {tuple(row) for row in await conn.fetch(sql)} for name, sql in CATALOG.items()}


def test_there_is_an_earlier_schema_to_upgrade_from() -> None:
    assert EARLIER_SCHEMAS
    for schema in EARLIER_SCHEMAS:
        # A fixture is named by the hash migrate stored for it: its exact text.
        text = schema.read_text(encoding="utf-8")
        assert hashlib.sha256(text.encode()).hexdigest()[:16] == schema.stem
        assert schema.stem != schema_hash()


@pytest.mark.parametrize("schema", EARLIER_SCHEMAS, ids=lambda path: path.stem)
async def test_an_earlier_database_is_upgraded_to_exactly_the_current_schema(
    empty_database: EmptyDatabase, schema: Path
) -> None:
    old = await made_by_earlier_payserv(await empty_database(), schema)
    fresh = await connect(await empty_database())
    try:
        await old.execute(
            "INSERT INTO users (username, password_hash, is_superuser) VALUES ('kept', 'x', true)"
        )
        assert await migrate(old) is True
        assert await migrate(fresh) is True
        assert await catalog(old) == await catalog(fresh)
        assert await old.fetchval(query("get_meta"), "schema_hash") == schema_hash()
        assert await old.fetchval("SELECT count(*) FROM users WHERE username = 'kept'") == 1
        assert await migrate(old) is False  # upgraded once; the next start changes nothing
    finally:
        await old.close()
        await fresh.close()


async def test_a_schema_it_cannot_upgrade_is_refused_and_left_alone(
    empty_database: EmptyDatabase,
) -> None:
    conn = await connect(await empty_database())
    try:
        assert await migrate(conn) is True
        await conn.execute(query("set_meta"), "schema_hash", "0123456789abcdef")
        with pytest.raises(SchemaError, match="cannot upgrade"):
            await migrate(conn)
        assert await conn.fetchval(query("get_meta"), "schema_hash") == "0123456789abcdef"
    finally:
        await conn.close()
