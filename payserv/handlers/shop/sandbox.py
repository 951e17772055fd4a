"""The Stripe sandbox's hosted-checkout stand-in page, and where its routes are registered."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import aiohttp_jinja2
from aiohttp import web

from payserv.context import POOL, SETTINGS
from payserv.errors import NotFoundError
from payserv.handlers.shop import sandbox_api
from payserv.money import currency_exponent, format_money
from payserv.shop import sandbox, sandbox_store
from payserv.shop.sandbox_objects import SandboxError


def setup_stripe_sandbox(app: web.Application) -> None:
    """Add the sandbox's routes when ``Settings.stripe_sandbox``; without it they are 404s."""
    if not app[SETTINGS].stripe_sandbox:
        return
    sandbox_api.add_routes(app)
    page = f"{sandbox.PATH}/checkout/{{id}}"
    app.router.add_get(page, checkout_page, name="page.stripe_sandbox_checkout")
    # A page form (CSRF token); curl uses the API's test helper instead (sandbox_api.pay_api).
    app.router.add_post(page + "/pay", pay, name="page.stripe_sandbox_pay")


async def checkout_page(request: web.Request) -> web.StreamResponse:
    """``GET /sandbox/stripe/checkout/{id}``: what is bought, the total, Pay and Cancel."""
    session, shown = await _session(request)
    return _render(request, session, shown, error=None)


async def pay(request: web.Request) -> web.StreamResponse:
    """``POST …/pay``: pay the session, send the signed event, then back to the shop."""
    session_id = request.match_info["id"]
    try:
        event = await sandbox_store.complete_session(request.app[POOL], session_id)
    except SandboxError:
        raise NotFoundError() from None
    failure = await sandbox_api.deliver(request.app, event)
    if failure is not None:
        session, shown = await _session(request)
        return _render(request, session, shown, error=failure)
    # Through our own page: a form's redirect to another origin (the shop as the browser
    # reached it) would be blocked by this page's CSP form-action; a script's is not.
    raise web.HTTPSeeOther(f"{sandbox.PATH}/checkout/{session_id}?paid=1")


async def _session(request: web.Request) -> tuple[dict[str, Any], dict[str, Any]]:
    try:
        return await sandbox_store.retrieve(
            request.app[POOL], "checkout.session", request.match_info["id"]
        )
    except SandboxError:
        raise NotFoundError("no such Checkout Session in the Stripe sandbox") from None


def _render(
    request: web.Request, session: dict[str, Any], shown: dict[str, Any], error: str | None
) -> web.StreamResponse:
    currency = str(session["currency"])

    def money(minor: int) -> str:
        major = Decimal(minor).scaleb(-currency_exponent(currency))
        return f"{format_money(major, currency)} {currency.upper()}"

    paid = session["payment_status"] == "paid"
    context = {
        "session": session,
        "lines": [
            {**line, "unit": money(line["unit_amount"]), "amount": money(_line_total(line))}
            for line in shown.get("line_items", [])
        ],
        "coupon": shown.get("coupon"),
        "tax_rates": shown.get("tax_rates", []),
        "subtotal": money(session["amount_subtotal"]),
        "discount": money(session["total_details"]["amount_discount"]),
        "tax": money(session["total_details"]["amount_tax"]),
        "total": money(session["amount_total"]),
        "paid": paid,
        "continue_url": _success_url(session),
        "redirect": paid and error is None and request.query.get("paid") == "1",
        "error": error,
    }
    status = 502 if error else 200
    return aiohttp_jinja2.render_template(
        "shop/sandbox_checkout.html", request, context, status=status
    )


def _line_total(line: dict[str, Any]) -> int:
    return int(line["unit_amount"]) * int(line["quantity"])


def _success_url(session: dict[str, Any]) -> str:
    """Stripe fills in ``{CHECKOUT_SESSION_ID}`` when it sends the buyer back."""
    return str(session["success_url"]).replace("{CHECKOUT_SESSION_ID}", str(session["id"]))
