"""The shop's URL map (DESIGN §7); HTML pages are named ``page.*``."""

from __future__ import annotations

from aiohttp import web

from payserv.handlers import admin, shop_api, shop_pages, shop_payments


def add_shop_routes(router: web.UrlDispatcher) -> None:
    """Catalog API, item/order pages, Stripe calls, the webhook and ``/admin/``."""
    router.add_get("/api/shop/items", shop_api.list_items, name="shop_items")
    router.add_post("/api/shop/items", shop_api.create_item, name="shop_create_item")
    router.add_get("/api/shop/items/{id}", shop_api.get_item, name="shop_item")
    router.add_patch("/api/shop/items/{id}", shop_api.update_item, name="shop_update_item")
    router.add_get("/api/shop/discounts", shop_api.list_discounts, name="shop_discounts")
    router.add_post("/api/shop/discounts", shop_api.create_discount, name="shop_create_discount")
    router.add_get("/api/shop/taxes", shop_api.list_taxes, name="shop_taxes")
    router.add_post("/api/shop/taxes", shop_api.create_tax, name="shop_create_tax")
    router.add_get("/api/shop/orders", shop_api.list_orders, name="shop_orders")
    router.add_post("/api/shop/orders", shop_api.create_order, name="shop_create_order")
    router.add_get("/api/shop/orders/{id}", shop_api.get_order, name="shop_order")
    router.add_get("/item/{id}", shop_pages.item_page, name="page.shop_item")
    router.add_get("/order/{id}", shop_pages.order_page, name="page.shop_order")
    router.add_get("/pay/item/{id}", shop_pages.pay_item_page, name="page.shop_pay_item")
    router.add_get("/pay/order/{id}", shop_pages.pay_order_page, name="page.shop_pay_order")
    router.add_get("/success", shop_pages.success_page, name="page.shop_success")
    router.add_get("/cancel", shop_pages.cancel_page, name="page.shop_cancel")
    router.add_get("/buy/{id}", shop_payments.buy_item, name="shop_buy_item")
    router.add_get("/buy/order/{id}", shop_payments.buy_order, name="shop_buy_order")
    router.add_get("/payment-intent/item/{id}", shop_payments.item_intent, name="shop_item_intent")
    router.add_get(
        "/payment-intent/order/{id}", shop_payments.order_intent, name="shop_order_intent"
    )
    router.add_post("/stripe/webhook", shop_payments.stripe_webhook, name="shop_stripe_webhook")
    router.add_get("/admin", admin.admin_redirect, name="page.admin_redirect")
    router.add_get("/admin/", admin.admin_index, name="page.admin")
    router.add_post("/admin/login", admin.admin_login, name="page.admin_login")
    router.add_post("/admin/logout", admin.admin_logout, name="page.admin_logout")
