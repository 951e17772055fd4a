"""Stripe-shaped objects the sandbox creates from decoded form parameters (no I/O).

Only what payserv's shop sends is understood; anything else it needs is refused the way
Stripe refuses it: ``400 invalid_request_error`` naming the parameter.
"""

from __future__ import annotations

import secrets
import time
from decimal import Decimal, InvalidOperation
from typing import Any

from payserv.errors import PayservError

PREFIXES = {
    "checkout.session": "cs_test_sandbox_",
    "payment_intent": "pi_sandbox_",
    "coupon": "coupon_sandbox_",
    "tax_rate": "txr_sandbox_",
    "event": "evt_sandbox_",
}
MAX_AMOUNT = 10**12


class SandboxError(PayservError):
    """A Stripe error body: ``{"error": {"type", "message", "param"?, "code"?}}``.

    Under PayservError like every error of payserv; the sandbox's API answers it in
    Stripe's shape (``body``), not payserv's.
    """

    def __init__(
        self,
        message: str,
        *,
        status: int = 400,
        type: str = "invalid_request_error",
        param: str | None = None,
        code: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.body: dict[str, Any] = {"type": type, "message": message}
        if param is not None:
            self.body["param"] = param
        if code is not None:
            self.body["code"] = code


def new_id(kind: str) -> str:
    return PREFIXES[kind] + secrets.token_hex(12)


def base_object(kind: str, object_id: str) -> dict[str, Any]:
    return {"id": object_id, "object": kind, "livemode": False, "created": int(time.time())}


def text_param(params: dict[str, Any], name: str, *, required: bool = True) -> str | None:
    value = params.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value:
        raise SandboxError(f"Missing required param: {name}.", param=name, code="parameter_missing")
    return value


def int_param(params: dict[str, Any], name: str, *, lo: int) -> int:
    raw = text_param(params, name)
    assert raw is not None
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 13 or not lo <= int(raw) <= MAX_AMOUNT:
        raise SandboxError(f"Invalid integer: {raw}", param=name, code="parameter_invalid_integer")
    return int(raw)


def _percent(params: dict[str, Any], name: str) -> Decimal:
    raw = text_param(params, name)
    try:
        value = Decimal(str(raw))
    except InvalidOperation:
        value = Decimal(-1)
    if not value.is_finite() or not 0 <= value <= 100:
        raise SandboxError(f"Invalid {name}: must be from 0 to 100", param=name)
    return value


def currency_param(params: dict[str, Any], name: str = "currency") -> str:
    raw = (text_param(params, name) or "").lower()
    if len(raw) != 3 or not raw.isalpha() or not raw.isascii():
        raise SandboxError(f"Invalid currency: {raw}", param=name)
    return raw


def _flag(params: dict[str, Any], name: str) -> bool:
    raw = text_param(params, name)
    if raw not in ("true", "false"):
        raise SandboxError(f"Invalid boolean: {raw}", param=name)
    return raw == "true"


def metadata_param(params: dict[str, Any]) -> dict[str, str]:
    metadata = params.get("metadata") or {}
    if not isinstance(metadata, dict):
        raise SandboxError("Invalid metadata: must be a hash", param="metadata")
    return {str(key): str(value) for key, value in metadata.items()}


def coupon(object_id: str, params: dict[str, Any]) -> dict[str, Any]:
    """``POST /v1/coupons``: exactly one of ``percent_off`` or ``amount_off`` + ``currency``."""
    if ("percent_off" in params) == ("amount_off" in params):
        raise SandboxError("Coupons need exactly one of percent_off or amount_off.")
    body = base_object("coupon", object_id)
    body.update(name=text_param(params, "name", required=False), valid=True, metadata={})
    body.update(duration=params.get("duration") or "once", percent_off=None)
    body.update(amount_off=None, currency=None)
    if "percent_off" in params:
        body["percent_off"] = float(_percent(params, "percent_off"))
    else:
        body.update(
            amount_off=int_param(params, "amount_off", lo=1), currency=currency_param(params)
        )
    return body


def tax_rate(object_id: str, params: dict[str, Any]) -> dict[str, Any]:
    """``POST /v1/tax_rates``: ``display_name``, ``percentage`` and ``inclusive``."""
    body = base_object("tax_rate", object_id)
    percentage = float(_percent(params, "percentage"))
    body.update(
        display_name=text_param(params, "display_name"), inclusive=_flag(params, "inclusive")
    )
    body.update(percentage=percentage, effective_percentage=percentage, active=True)
    body.update(description=None, jurisdiction=None, country=None, metadata=metadata_param(params))
    return body


def payment_intent(object_id: str, params: dict[str, Any]) -> dict[str, Any]:
    """``POST /v1/payment_intents``: ``amount`` in minor units and ``currency``."""
    body = base_object("payment_intent", object_id)
    body.update(amount=int_param(params, "amount", lo=1), currency=currency_param(params))
    body.update(client_secret=f"{object_id}_secret_{secrets.token_hex(12)}")
    body.update(status="requires_payment_method", amount_received=0)
    body.update(description=params.get("description"), metadata=metadata_param(params))
    return body
