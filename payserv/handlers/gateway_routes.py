"""The gateway's URL map (DESIGN §4): the seed's paths, plus merchant and list endpoints."""

from __future__ import annotations

from aiohttp import web

from payserv.handlers import gateway, gateway_webhooks


def add_gateway_routes(router: web.UrlDispatcher) -> None:
    """Merchant, orders, payments, capture, refunds and the webhook delivery log."""
    router.add_get("/api/v1/test/merchant", gateway.test_merchant, name="gateway_test_merchant")
    router.add_get("/api/v1/merchant", gateway.merchant_detail, name="gateway_merchant")
    router.add_patch("/api/v1/merchant", gateway.merchant_update)
    router.add_post("/api/v1/orders", gateway.order_create, name="gateway_orders")
    router.add_get("/api/v1/orders", gateway.order_list)
    router.add_get("/api/v1/orders/{order_id}", gateway.order_detail, name="gateway_order")
    router.add_post("/api/v1/payments", gateway.payment_create, name="gateway_payments")
    router.add_get("/api/v1/payments", gateway.payment_list)
    router.add_get("/api/v1/payments/{payment_id}", gateway.payment_detail, name="gateway_payment")
    router.add_post(
        "/api/v1/payments/{payment_id}/capture", gateway.payment_capture, name="gateway_capture"
    )
    router.add_post(
        "/api/v1/payments/{payment_id}/refunds", gateway.refund_create, name="gateway_refunds"
    )
    router.add_get("/api/v1/payments/{payment_id}/refunds", gateway.refund_list)
    router.add_get("/api/v1/refunds/{refund_id}", gateway.refund_detail, name="gateway_refund")
    router.add_get("/api/v1/webhooks", gateway_webhooks.webhooks_list, name="gateway_webhooks")
    router.add_post(
        "/api/v1/webhooks/{webhook_id}/retry",
        gateway_webhooks.webhook_retry,
        name="gateway_webhook_retry",
    )
