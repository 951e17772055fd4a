"""``python run.py migrate``: apply payserv's and Procrastinate's schemas, idempotently."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import asyncpg
import structlog
from procrastinate.schema import SchemaManager

from payserv.errors import PayservError
from payserv.queries import query
from payserv.shipped import shipped_path

log = structlog.get_logger(__name__)

SCHEMA_PATH = shipped_path("schema.sql")
# One file per schema payserv can upgrade from, named by that schema's hash; its first line
# names the schema it leads to. A chain of them brings an older database up to schema.sql.
UPGRADES_DIR = Path(__file__).resolve().parent / "sql" / "upgrades"
_UPGRADE_HEADER = re.compile(r"-- to: ([0-9a-f]{16})")
MAX_UPGRADE_STEPS = 100  # a chain longer than this is a loop


class SchemaError(PayservError):
    """The database holds a schema payserv did not create, or only part of one."""


def schema_text() -> str:
    """payserv's application schema (``schema.sql``)."""
    return SCHEMA_PATH.read_text(encoding="utf-8")


def schema_hash() -> str:
    """Identifies the schema a database was created with."""
    return hashlib.sha256(schema_text().encode()).hexdigest()[:16]


async def migrate(conn: asyncpg.Connection) -> bool:
    """Apply both schemas in one transaction; False when they were already there.

    Both go in one transaction so a failure leaves nothing half applied, and an
    advisory lock makes two processes migrating at once apply it once.
    """
    async with conn.transaction():
        await conn.execute(query("migrate_lock"))
        state = await conn.fetchrow(query("schema_state"))
        assert state is not None
        if state["has_meta"]:
            return await _check_existing(conn, has_procrastinate=state["has_procrastinate"])
        if state["tables"]:
            raise SchemaError(
                "the database already has tables payserv did not create "
                f"({', '.join(state['tables'][:8])}); use an empty database"
            )
        await conn.execute(schema_text())
        await conn.execute(SchemaManager.get_schema())
        await conn.execute(query("set_meta"), "schema_hash", schema_hash())
    log.info("schema_applied", schema_hash=schema_hash())
    return True


async def _check_existing(conn: asyncpg.Connection, *, has_procrastinate: bool) -> bool:
    if not has_procrastinate:
        raise SchemaError("the payserv schema is only partly applied (no procrastinate_jobs)")
    stored = await conn.fetchval(query("get_meta"), "schema_hash")
    current = schema_hash()
    if stored == current:
        return False
    for _ in range(MAX_UPGRADE_STEPS):
        step = upgrade_from(stored)
        if step is None:
            raise SchemaError(
                f"the database was created by another payserv schema ({stored}, this is "
                f"{current}) that this payserv cannot upgrade; start from an empty database "
                "or PAYSERV_DATA_DIR"
            )
        target, sql = step
        await conn.execute(sql)
        await conn.execute(query("set_meta"), "schema_hash", target)
        log.info("schema_upgraded", schema_from=stored, schema_to=target)
        stored = target
        if stored == current:
            return True
    raise SchemaError(f"the schema upgrades from {stored} do not reach {current}")


def upgrade_from(schema: str) -> tuple[str, str] | None:
    """(the schema it leads to, its SQL) of the upgrade of a database made by ``schema``."""
    path = UPGRADES_DIR / f"{schema}.sql"
    if not re.fullmatch(r"[0-9a-f]{16}", schema or "") or not path.is_file():
        return None
    sql = path.read_text(encoding="utf-8")
    header = _UPGRADE_HEADER.fullmatch(sql.partition("\n")[0].strip())
    if header is None:
        raise SchemaError(f"{path.name} must start with '-- to: <schema hash>'")
    return header.group(1), sql
