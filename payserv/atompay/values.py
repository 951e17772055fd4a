"""Reading AtomPay's decrypted JSON, whose ids and amounts come as numbers or strings."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any


def text_of(value: Any) -> str | None:
    """A string or integer field as text (``317157`` and ``"317157"`` alike), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, int | Decimal):
        return str(value)
    return None


def code_of(value: Any) -> str | None:
    """A status code such as ``OTS0000``."""
    return value.strip() or None if isinstance(value, str) else None


def amount_of(value: Any) -> Decimal | None:
    """A finite amount from a JSON number or a decimal string, else None."""
    if isinstance(value, bool) or not isinstance(value, str | int | Decimal):
        return None
    try:
        amount = Decimal(value.strip()) if isinstance(value, str) else Decimal(value)
    except InvalidOperation:
        return None
    return amount if amount.is_finite() else None


def object_of(value: Any) -> dict[str, Any]:
    """A JSON object, or an empty one for anything else (a missing or mistyped section)."""
    return value if isinstance(value, dict) else {}
