"""AtomPay HTTP endpoints (DESIGN §8): events, payments, the callback and two pages."""

from __future__ import annotations

from typing import Any

import aiohttp_jinja2
from aiohttp import web
from yarl import URL

from payserv.atompay.callback import accept_callback, read_callback
from payserv.atompay.checkout import start_payment
from payserv.atompay.client import AtomPayClient
from payserv.atompay.config import AtomPayConfig, atompay_config
from payserv.atompay.events import Event, create_event, get_event, list_events
from payserv.atompay.payments import INITIATED, Payment, get_payment, get_user_payment
from payserv.atompay.payments import list_user_payments as list_payments
from payserv.atompay.requests import read_new_event, read_new_payment
from payserv.auth import require_superuser, require_user
from payserv.context import HTTP, POOL, SETTINGS
from payserv.errors import BadRequestError, NotFoundError
from payserv.web import json_response, page_response, read_json_object

# Hosts of AtomPay's test checkout script (pgtest.atomtech.in) and of local simulators.
_TEST_HOST_MARKS = ("pgtest", "uat", "localhost", "127.0.0.1")


async def events_list(request: web.Request) -> web.Response:
    """``GET /api/events``: every event, for any signed-in user."""
    await require_user(request)
    return await page_response(request, list_events)


async def events_create(request: web.Request) -> web.Response:
    """``POST /api/events`` (superusers): 201 with the event."""
    await require_superuser(request)
    name, fee, kind = read_new_event(await read_json_object(request))
    async with request.app[POOL].acquire() as conn:
        event = await create_event(conn, name, fee, kind)
    return json_response(event.to_json(), status=201)


async def payments_list(request: web.Request) -> web.Response:
    """``GET /api/atompay/payments``: the caller's own payments, newest first."""
    user = await require_user(request)
    return await page_response(request, lambda conn, asked: list_payments(conn, user.id, asked))


async def payment_detail(request: web.Request) -> web.Response:
    """``GET /api/atompay/payments/{merchTxnId}``: someone else's is a 404."""
    user = await require_user(request)
    async with request.app[POOL].acquire() as conn:
        payment = await get_user_payment(conn, user.id, request.match_info["merch_txn_id"])
    if payment is None:
        raise NotFoundError("payment not found")
    return json_response(payment.to_json())


async def payment_start(request: web.Request) -> web.Response:
    """``POST /atompay``: a token and what AtomPay's checkout script needs."""
    user = await require_user(request)
    config = atompay_config(request.app[SETTINGS])
    new = read_new_payment(await read_json_object(request), user.id)
    client = AtomPayClient(request.app[HTTP], config)
    started = await start_payment(request.app[POOL], client, new)
    payment = started.payment
    checkout = request.app.router["page.atompay_checkout"].url_for(
        merch_txn_id=payment.merch_txn_id
    )
    body = {
        **_checkout_options(request, config, payment, started.atom_token_id),
        "amount": f"{payment.amount:.2f}",
        "merchTxnId": payment.merch_txn_id,
        "checkoutUrl": str(request.url.origin().join(checkout)),
    }
    return json_response(body)


def _checkout_options(
    request: web.Request, config: AtomPayConfig, payment: Payment, token: str
) -> dict[str, Any]:
    """The options of ``new AtomPaynetz(options, env)``; returnUrl is our callback."""
    callback = request.app.router["atompay_response"].url_for()
    return {
        "atomTokenId": token,
        "merchId": config.merch_id,
        "custEmail": payment.email,
        "custMobile": payment.phone,
        "returnUrl": str(request.url.origin().join(callback)),
    }


async def callback(request: web.Request) -> web.Response:
    """``POST /response``: AtomPay's callback (form ``encData``); settles once, then 303."""
    config = atompay_config(request.app[SETTINGS])
    form = await request.post()
    enc_data = form.get("encData")
    if not isinstance(enc_data, str) or not enc_data.strip():
        raise BadRequestError("encData is required", field="encData")
    decoded = read_callback(enc_data.strip(), config)
    async with request.app[POOL].acquire() as conn, conn.transaction():
        payment = await accept_callback(conn, config, decoded)
    return web.Response(
        status=303, headers={"Location": _return_location(request, config, payment)}
    )


def _return_location(request: web.Request, config: AtomPayConfig, payment: Payment) -> str:
    query = {"merchTxnId": payment.merch_txn_id, "status": payment.status}
    if config.return_url:
        return str(URL(config.return_url).update_query(query))
    page = request.app.router["page.atompay_result"].url_for(merch_txn_id=payment.merch_txn_id)
    return str(page)


@aiohttp_jinja2.template("atompay/checkout.html")
async def checkout_page(request: web.Request) -> dict[str, Any]:
    """The page that opens AtomPay's checkout; only for a payment awaiting it.

    No user auth (a browser navigation carries no token): the unguessable merchTxnId is
    the capability, and the page shows nothing secret.
    """
    config = atompay_config(request.app[SETTINGS])
    payment, event = await _payment_and_event(request)
    if payment.status != INITIATED or payment.atom_token_id is None:
        raise NotFoundError("no payment is awaiting checkout here")
    return {
        "payment": payment,
        "event": event,
        "amount": f"{payment.amount:.2f}",
        "checkout_js_url": config.checkout_js_url,
        "environment": _checkout_environment(config.checkout_js_url),
        "options": _checkout_options(request, config, payment, payment.atom_token_id),
        "sandbox": request.app[SETTINGS].atompay_sandbox,
    }


def _checkout_environment(script_url: str) -> str:
    """AtomPaynetz's second argument: ``uat`` for AtomPay's test hosts, else ``prod``."""
    host = URL(script_url).host or ""
    return "uat" if any(mark in host for mark in _TEST_HOST_MARKS) else "prod"


@aiohttp_jinja2.template("atompay/result.html")
async def result_page(request: web.Request) -> dict[str, Any]:
    """Where the callback sends the customer when ATOMPAY_RETURN_URL is unset."""
    payment, event = await _payment_and_event(request)
    return {
        "payment": payment,
        "event": event,
        "amount": f"{payment.amount:.2f}",
        "sandbox": request.app[SETTINGS].atompay_sandbox,
    }


async def _payment_and_event(request: web.Request) -> tuple[Payment, Event]:
    async with request.app[POOL].acquire() as conn:
        payment = await get_payment(conn, request.match_info["merch_txn_id"])
        event = await get_event(conn, payment.event_id) if payment else None
    if payment is None or event is None:
        raise NotFoundError("payment not found")
    return payment, event
