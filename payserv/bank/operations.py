"""Bank operations: validated from a webhook body, credited exactly once (DESIGN §5)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import asyncpg
import structlog

from payserv.bank.inn import validate_inn
from payserv.errors import BadRequestError
from payserv.fields import require_int, require_str
from payserv.queries import query

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class Operation:
    """One bank operation as the bank sent it."""

    operation_id: uuid.UUID
    amount: int
    payer_inn: str
    document_number: str
    document_date: datetime


def parse_operation(body: dict[str, Any]) -> Operation:
    """Validate a webhook body; each bad field is a 400 naming it."""
    raw_id = body.get("operation_id")
    try:
        if not isinstance(raw_id, str):
            raise ValueError
        operation_id = uuid.UUID(raw_id)
    except ValueError:
        raise BadRequestError("operation_id must be a UUID", field="operation_id") from None
    document_number = require_str(body, "document_number", max_length=50)
    return Operation(
        operation_id=operation_id,
        amount=require_int(body, "amount", minimum=1),
        payer_inn=validate_inn(body.get("payer_inn")),
        document_number=document_number,
        document_date=_parse_datetime(body.get("document_date")),
    )


def _parse_datetime(value: object) -> datetime:
    """ISO 8601; a value without a time zone is taken as UTC."""
    if not isinstance(value, str):
        raise BadRequestError("document_date must be an ISO 8601 datetime", field="document_date")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise BadRequestError(
            "document_date must be an ISO 8601 datetime", field="document_date"
        ) from None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    try:
        # Stored in UTC: 0001-01-01T00:00+14:00 would be in year 0, which nothing can hold.
        return parsed.astimezone(UTC)
    except OverflowError:
        raise BadRequestError("document_date is out of range", field="document_date") from None


async def credit_operation(conn: asyncpg.Connection, operation: Operation) -> bool:
    """Record and credit ``operation``; False (nothing changed) when it was already there."""
    balance_after = await conn.fetchval(
        query("bank_credit_operation"),
        operation.operation_id,
        operation.amount,
        operation.payer_inn,
        operation.document_number,
        operation.document_date,
    )
    if balance_after is not None:
        log.info(
            "bank_operation_credited",
            operation_id=str(operation.operation_id),
            inn=operation.payer_inn,
            amount=operation.amount,
            balance_after=balance_after,
        )
        return True
    await _warn_if_different(conn, operation)
    return False


async def _warn_if_different(conn: asyncpg.Connection, operation: Operation) -> None:
    stored = await conn.fetchrow(query("bank_get_operation"), operation.operation_id)
    if stored is None:
        return
    differing = [
        name
        for name in ("amount", "payer_inn", "document_number", "document_date")
        if stored[name] != getattr(operation, name)
    ]
    if differing:
        log.warning(
            "bank_operation_conflict",
            operation_id=str(operation.operation_id),
            differing_fields=differing,
        )
    else:
        log.info("bank_operation_duplicate", operation_id=str(operation.operation_id))
