"""The URL map of payserv, in one place."""

from __future__ import annotations

from aiohttp import web

from payserv.handlers import (
    atompay,
    bank_webhooks,
    gateway,
    openapi,
    system,
    user_payments,
    users,
)
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
    app.router.add_get("/api/v1/test/merchant", gateway.test_merchant, name="gateway_test_merchant")
    app.router.add_get("/api/v1/merchant", gateway.merchant_detail, name="gateway_merchant")
    app.router.add_patch("/api/v1/merchant", gateway.merchant_update)
    app.router.add_post("/api/v1/orders", gateway.order_create, name="gateway_orders")
    app.router.add_get("/api/v1/orders", gateway.order_list)
    app.router.add_get("/api/v1/orders/{order_id}", gateway.order_detail, name="gateway_order")
    app.router.add_post("/api/v1/payments", gateway.payment_create, name="gateway_payments")
    app.router.add_get("/api/v1/payments", gateway.payment_list)
    app.router.add_get(
        "/api/v1/payments/{payment_id}", gateway.payment_detail, name="gateway_payment"
    )
    app.router.add_post(
        "/api/v1/payments/{payment_id}/capture",
        gateway.payment_capture,
        name="gateway_capture",
    )
    app.router.add_post(
        "/api/v1/payments/{payment_id}/refunds",
        gateway.refund_create,
        name="gateway_refunds",
    )
    app.router.add_get("/api/v1/payments/{payment_id}/refunds", gateway.refund_list)
    app.router.add_get("/api/v1/refunds/{refund_id}", gateway.refund_detail, name="gateway_refund")
    app.router.add_get("/api/v1/webhooks", gateway.webhooks_list, name="gateway_webhooks")
    app.router.add_post(
        "/api/v1/webhooks/{webhook_id}/retry",
        gateway.webhook_retry,
        name="gateway_webhook_retry",
    )
    # ----- bank -----
    app.router.add_post("/api/webhook/bank/", bank_webhooks.bank_webhook, name="bank_webhook")
    app.router.add_get(
        "/api/organizations/{inn}/balance/", bank_webhooks.organization_balance, name="bank_balance"
    )
    app.router.add_get(
        "/api/organizations/{inn}/balance-log/",
        bank_webhooks.organization_balance_log,
        name="bank_balance_log",
    )
    # ----- polling -----
    app.router.add_post("/api/payments/", user_payments.create_payment, name="user_payments")
    app.router.add_get("/api/payments/", user_payments.list_user_payments)
    app.router.add_get("/api/payments/{id}", user_payments.get_user_payment, name="user_payment")
    app.router.add_post(
        "/api/check_payment_status/", user_payments.check_payment_status, name="status_simulator"
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
