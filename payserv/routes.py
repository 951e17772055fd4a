"""The URL map of payserv, in one place."""

from __future__ import annotations

from aiohttp import web

from payserv.handlers import (
    atompay,
    bank,
    checkout,
    gateway,
    gateway_merchant,
    openapi,
    polling,
    system,
    users,
)
from payserv.handlers.atompay_sandbox import setup_atompay_sandbox_routes
from payserv.handlers.dashboard import pages as dashboard
from payserv.handlers.dashboard import session as dashboard_session
from payserv.handlers.dashboard import webhooks as dashboard_webhooks
from payserv.handlers.shop import admin as shop_admin
from payserv.handlers.shop import api as shop_api
from payserv.handlers.shop import pages as shop_pages
from payserv.handlers.shop import payments as shop_payments
from payserv.handlers.shop.sandbox import setup_stripe_sandbox


def setup_routes(app: web.Application) -> None:
    """Register every route; HTML pages are named ``page.*`` (they render error pages)."""
    app.router.add_get("/health", system.health, name="health")
    app.router.add_get("/api/v1/test/jobs/status", system.jobs_status, name="jobs_status")
    app.router.add_get("/metrics", system.metrics_endpoint, name="metrics")
    app.router.add_get("/api/openapi.json", openapi.openapi_json, name="openapi")
    app.router.add_post("/users/token/", users.issue_user_token, name="user_token")
    app.router.add_get("/users/me/", users.current_user, name="current_user")
    # ----- gateway -----
    app.router.add_get(
        "/api/v1/test/merchant", gateway_merchant.test_merchant, name="gateway_test_merchant"
    )
    app.router.add_get(
        "/api/v1/merchant", gateway_merchant.merchant_detail, name="gateway_merchant"
    )
    app.router.add_patch("/api/v1/merchant", gateway_merchant.merchant_update)
    app.router.add_post(
        "/api/v1/merchant/api-secret",
        gateway_merchant.merchant_api_secret,
        name="gateway_api_secret",
    )
    app.router.add_post(
        "/api/v1/merchant/webhook-secret",
        gateway_merchant.merchant_webhook_secret,
        name="gateway_webhook_secret",
    )
    app.router.add_post(
        "/api/v1/merchant/webhook-test",
        gateway_merchant.merchant_webhook_test,
        name="gateway_webhook_test",
    )
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
    # ----- gateway: hosted checkout (DESIGN §4a), no credentials -----
    app.router.add_get(
        "/api/v1/orders/{order_id}/public", checkout.public_order, name="gateway_public_order"
    )
    app.router.add_post(
        "/api/v1/payments/public", checkout.public_payment_create, name="gateway_public_payments"
    )
    app.router.add_get(
        "/api/v1/payments/{payment_id}/public",
        checkout.public_payment,
        name="gateway_public_payment",
    )
    app.router.add_get("/checkout", checkout.checkout_page, name="page.checkout")
    app.router.add_get("/checkout/{order_id}", checkout.checkout_page, name="page.checkout_order")
    app.router.add_get("/checkout.js", checkout.sdk, name="page.checkout_sdk")
    app.router.add_get("/static/{name}", checkout.static_asset, name="page.static")
    app.router.add_get("/demo", checkout.demo_page, name="page.demo")
    setup_dashboard_routes(app)
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
    app.router.add_get("/api/shop/items", shop_api.list_items, name="shop_items")
    app.router.add_post("/api/shop/items", shop_api.create_item, name="shop_create_item")
    app.router.add_get("/api/shop/items/{id}", shop_api.get_item, name="shop_item")
    app.router.add_patch("/api/shop/items/{id}", shop_api.update_item, name="shop_update_item")
    app.router.add_get("/api/shop/discounts", shop_api.list_discounts, name="shop_discounts")
    app.router.add_post(
        "/api/shop/discounts", shop_api.create_discount, name="shop_create_discount"
    )
    app.router.add_get("/api/shop/taxes", shop_api.list_taxes, name="shop_taxes")
    app.router.add_post("/api/shop/taxes", shop_api.create_tax, name="shop_create_tax")
    app.router.add_get("/api/shop/orders", shop_api.list_orders, name="shop_orders")
    app.router.add_post("/api/shop/orders", shop_api.create_order, name="shop_create_order")
    app.router.add_get("/api/shop/orders/{id}", shop_api.get_order, name="shop_order")
    app.router.add_get("/item/{id}", shop_pages.item_page, name="page.shop_item")
    app.router.add_get("/order/{id}", shop_pages.order_page, name="page.shop_order")
    app.router.add_get("/pay/item/{id}", shop_pages.pay_item_page, name="page.shop_pay_item")
    app.router.add_get("/pay/order/{id}", shop_pages.pay_order_page, name="page.shop_pay_order")
    app.router.add_get("/success", shop_pages.success_page, name="page.shop_success")
    app.router.add_get("/cancel", shop_pages.cancel_page, name="page.shop_cancel")
    app.router.add_get("/buy/{id}", shop_payments.buy_item, name="shop_buy_item")
    app.router.add_get("/buy/order/{id}", shop_payments.buy_order, name="shop_buy_order")
    app.router.add_get(
        "/payment-intent/item/{id}", shop_payments.item_intent, name="shop_item_intent"
    )
    app.router.add_get(
        "/payment-intent/order/{id}", shop_payments.order_intent, name="shop_order_intent"
    )
    app.router.add_post("/stripe/webhook", shop_payments.stripe_webhook, name="shop_stripe_webhook")
    app.router.add_get("/admin", shop_admin.admin_redirect, name="page.admin_redirect")
    app.router.add_get("/admin/", shop_admin.admin_index, name="page.admin")
    app.router.add_post("/admin/login", shop_admin.admin_login, name="page.admin_login")
    app.router.add_post("/admin/logout", shop_admin.admin_logout, name="page.admin_logout")
    setup_stripe_sandbox(app)
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
    setup_atompay_sandbox_routes(app)


def setup_dashboard_routes(app: web.Application) -> None:
    """The merchant dashboard (DESIGN §4b): ``page.*`` routes, so every POST needs CSRF."""
    add_get, add_post = app.router.add_get, app.router.add_post
    add_get("/dashboard/login", dashboard_session.login_page, name="page.dashboard_login_form")
    add_post("/dashboard/login", dashboard_session.login, name="page.dashboard_login")
    add_post("/dashboard/logout", dashboard_session.logout, name="page.dashboard_logout")
    add_get("/dashboard", dashboard.overview, name="page.dashboard")
    add_post("/dashboard/api-secret", dashboard.roll_api_secret, name="page.dashboard_api_secret")
    add_get("/dashboard/transactions", dashboard.transactions, name="page.dashboard_transactions")
    add_get(
        "/dashboard/payments/{payment_id}", dashboard.payment_detail, name="page.dashboard_payment"
    )
    add_post(
        "/dashboard/payments/{payment_id}/capture",
        dashboard.capture,
        name="page.dashboard_capture",
    )
    add_post(
        "/dashboard/payments/{payment_id}/refunds", dashboard.refund, name="page.dashboard_refund"
    )
    add_get("/dashboard/webhooks", dashboard_webhooks.webhooks_page, name="page.dashboard_webhooks")
    add_post(
        "/dashboard/webhooks/url", dashboard_webhooks.save_url, name="page.dashboard_webhook_url"
    )
    add_post(
        "/dashboard/webhooks/secret",
        dashboard_webhooks.regenerate_secret,
        name="page.dashboard_webhook_secret",
    )
    add_post(
        "/dashboard/webhooks/test", dashboard_webhooks.send_test, name="page.dashboard_webhook_test"
    )
    add_post(
        "/dashboard/webhooks/{webhook_id}/retry",
        dashboard_webhooks.retry,
        name="page.dashboard_webhook_retry",
    )
    add_get("/dashboard/docs", dashboard.docs, name="page.dashboard_docs")
