"""The URL map of payserv, in one place."""

from __future__ import annotations

from aiohttp import web

from payserv.handlers import (
    atompay,
    bank,
    openapi,
    polling,
    system,
    users,
)
from payserv.handlers.gateway_routes import add_gateway_routes
from payserv.handlers.shop_routes import add_shop_routes


def setup_routes(app: web.Application) -> None:
    """Register every route; HTML pages are named ``page.*`` (they render error pages)."""
    app.router.add_get("/health", system.health, name="health")
    app.router.add_get("/api/v1/test/jobs/status", system.jobs_status, name="jobs_status")
    app.router.add_get("/metrics", system.metrics_endpoint, name="metrics")
    app.router.add_get("/api/openapi.json", openapi.openapi_json, name="openapi")
    app.router.add_post("/users/token/", users.issue_user_token, name="user_token")
    app.router.add_get("/users/me/", users.current_user, name="current_user")
    # ----- gateway -----
    add_gateway_routes(app.router)
    # ----- bank -----
    app.router.add_post("/api/webhook/bank/", bank.bank_webhook, name="bank_webhook")
    app.router.add_get(
        "/api/organizations/{inn}/balance/", bank.organization_balance, name="bank_balance"
    )
    app.router.add_get(
        "/api/organizations/{inn}/balance-log/",
        bank.organization_balance_log,
        name="bank_balance_log",
    )
    # ----- polling -----
    app.router.add_post("/api/payments/", polling.create_user_payment, name="user_payments")
    app.router.add_get("/api/payments/", polling.list_user_payments)
    app.router.add_get("/api/payments/{id}", polling.get_user_payment, name="user_payment")
    app.router.add_post(
        "/api/check_payment_status/", polling.check_payment_status, name="status_simulator"
    )
    # ----- shop -----
    add_shop_routes(app.router)
    # ----- atompay -----
    app.router.add_get("/api/events", atompay.events_list, name="atompay_events")
    app.router.add_post("/api/events", atompay.events_create)
    app.router.add_get("/api/atompay/payments", atompay.payments_list, name="atompay_payments")
    app.router.add_get(
        "/api/atompay/payments/{merch_txn_id}", atompay.payment_detail, name="atompay_payment"
    )
    app.router.add_post("/atompay", atompay.payment_start, name="atompay_start")
    app.router.add_post("/response", atompay.callback, name="atompay_response")
    app.router.add_get(
        "/atompay/checkout/{merch_txn_id}", atompay.checkout_page, name="page.atompay_checkout"
    )
    app.router.add_get(
        "/atompay/result/{merch_txn_id}", atompay.result_page, name="page.atompay_result"
    )
