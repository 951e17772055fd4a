"""The built-in AtomPay sandbox's routes (DESIGN §8a), served only with PAYSERV_SANDBOX on
and no ATOMPAY_* setting: AUTH, status, the checkout script and the "Pay" / "Fail" page."""

from __future__ import annotations

from typing import Any

import aiohttp_jinja2
from aiohttp import web

from payserv.atompay import sandbox
from payserv.atompay.config import (
    SANDBOX_AUTH_PATH,
    SANDBOX_CHECKOUT_JS_PATH,
    SANDBOX_PATH,
    SANDBOX_STATUS_PATH,
    atompay_config,
)
from payserv.atompay.sandbox import SandboxTransaction
from payserv.context import POOL, SETTINGS
from payserv.errors import BadRequestError, NotFoundError

_OUTCOMES = {"pay": True, "fail": False}


def setup_atompay_sandbox_routes(app: web.Application) -> None:
    """Add the sandbox's routes when it is on; otherwise its URLs stay 404."""
    if not app[SETTINGS].atompay_sandbox:
        return
    app.router.add_post(SANDBOX_AUTH_PATH, auth, name="atompay_sandbox_auth")
    app.router.add_post(SANDBOX_STATUS_PATH, status, name="atompay_sandbox_status")
    app.router.add_get(SANDBOX_CHECKOUT_JS_PATH, checkout_js, name="page.atompay_sandbox_js")
    pay_path = f"{SANDBOX_PATH}/pay/{{atom_token_id}}"
    app.router.add_get(pay_path, pay_page, name="page.atompay_sandbox_pay")
    app.router.add_post(pay_path, decide, name="page.atompay_sandbox_decide")


def _form_reply(text: str) -> web.Response:
    # AtomPay answers its APIs with a form body served as text/plain.
    return web.Response(text=text, content_type="text/plain")


async def auth(request: web.Request) -> web.Response:
    """``POST /sandbox/atompay/auth``: AtomPay's AUTH API, answered by the sandbox."""
    account = atompay_config(request.app[SETTINGS])
    return _form_reply(await sandbox.answer_auth(request.app[POOL], account, await request.post()))


async def status(request: web.Request) -> web.Response:
    """``POST /sandbox/atompay/status``: AtomPay's status API, from the sandbox's records."""
    account = atompay_config(request.app[SETTINGS])
    reply = await sandbox.answer_status(request.app[POOL], account, await request.post())
    return _form_reply(reply)


async def checkout_js(request: web.Request) -> web.Response:
    """The stand-in for AtomPay's checkout script: ``AtomPaynetz`` opens the sandbox page."""
    text = aiohttp_jinja2.render_string("atompay/sandbox_checkout.js", request, {})
    return web.Response(text=text, content_type="text/javascript")


async def _transaction(request: web.Request) -> SandboxTransaction:
    token = request.match_info["atom_token_id"]
    transaction = await sandbox.get_transaction(request.app[POOL], token)
    if transaction is None:
        raise NotFoundError("the AtomPay sandbox issued no such atomTokenId")
    return transaction


@aiohttp_jinja2.template("atompay/sandbox_pay.html")
async def pay_page(request: web.Request) -> dict[str, Any]:
    """The sandbox's checkout: the amount, the merchTxnId and "Pay" / "Fail" buttons."""
    transaction = await _transaction(request)
    return {"transaction": transaction, "amount": f"{transaction.amount:.2f}"}


@aiohttp_jinja2.template("atompay/sandbox_return.html")
async def decide(request: web.Request) -> dict[str, Any]:
    """Record "Pay" or "Fail" (the first choice stands), then send the browser back to
    ``/response`` with the encrypted, signed callback, as AtomPay's own page does."""
    token = (await _transaction(request)).atom_token_id
    choice = (await request.post()).get("outcome")
    if choice not in _OUTCOMES:
        raise BadRequestError("outcome must be pay or fail", field="outcome")
    transaction = await sandbox.decide(request.app[POOL], token, pay=_OUTCOMES[str(choice)])
    assert transaction is not None  # tokens are never deleted
    account = atompay_config(request.app[SETTINGS])
    return {
        "transaction": transaction,
        "amount": f"{transaction.amount:.2f}",
        "callback": sandbox.callback_form(account, transaction),
        "response_url": request.app.router["atompay_response"].url_for(),
    }
