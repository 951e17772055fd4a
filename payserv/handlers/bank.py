"""Bank webhook ingestion and organization balances (DESIGN §5)."""

from __future__ import annotations

from aiohttp import web

from payserv.auth import require_user
from payserv.bank.balances import get_balance, list_ledger
from payserv.bank.inn import validate_inn
from payserv.bank.operations import credit_operation, parse_operation
from payserv.context import POOL, SETTINGS
from payserv.errors import SignatureError
from payserv.signatures import verify_hex_signature
from payserv.web import json_response, page_response, read_json_object


async def bank_webhook(request: web.Request) -> web.Response:
    """``POST /api/webhook/bank/``: 200 ``processed`` or ``duplicate``."""
    secret = request.app[SETTINGS].bank_webhook_secret
    if secret is not None:
        # Checked on the raw bytes, before anything is parsed or written.
        signature = request.headers.get("X-Signature", "")
        if not signature or not verify_hex_signature(secret, await request.read(), signature):
            raise SignatureError("X-Signature does not match the body")
    operation = parse_operation(await read_json_object(request))
    # One statement, so no explicit transaction: it commits on its own, and the organization's
    # row lock is released inside the server instead of a COMMIT round trip later.
    async with request.app[POOL].acquire() as conn:
        credited = await credit_operation(conn, operation)
    return json_response(
        {
            "status": "processed" if credited else "duplicate",
            "operation_id": str(operation.operation_id),
        }
    )


async def organization_balance(request: web.Request) -> web.Response:
    """``GET /api/organizations/{inn}/balance/``."""
    await require_user(request)
    inn = validate_inn(request.match_info["inn"], field="inn")
    async with request.app[POOL].acquire() as conn:
        balance = await get_balance(conn, inn)
    return json_response(balance.to_json())


async def organization_balance_log(request: web.Request) -> web.Response:
    """``GET /api/organizations/{inn}/balance-log/``: the ledger, newest first."""
    await require_user(request)
    inn = validate_inn(request.match_info["inn"], field="inn")
    return await page_response(request, lambda conn, asked: list_ledger(conn, inn, asked))
