"""Pure parts of the shop: Stripe parameters, idempotency keys, minor units, event matching."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from payserv.settings import Settings
from payserv.shop.catalog import Discount, Item, Tax
from payserv.shop.checkout import (
    coupon_params,
    idempotency_key,
    item_session_params,
    stripe_object_key,
    tax_rate_params,
)
from payserv.shop.money import to_minor
from payserv.shop.stripe_client import find_account
from payserv.shop.webhooks import _paid_object

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def test_minor_units_round_half_up_and_respect_zero_decimal_currencies() -> None:
    assert to_minor(Decimal("12.50"), "USD") == 1250
    assert to_minor(Decimal("0.005"), "EUR") == 1
    assert to_minor(Decimal("4500"), "JPY") == 4500
    assert to_minor(Decimal("4500.5"), "jpy") == 4501


def test_item_params_and_keys() -> None:
    item = Item(7, "Tea", "", Decimal("4500"), "JPY", NOW)
    params = item_session_params(item, "http://shop")
    assert params["line_items"] == [
        {
            "price_data": {"currency": "jpy", "unit_amount": 4500, "product_data": {"name": "Tea"}},
            "quantity": 1,
        }
    ]
    assert params["client_reference_id"] == "item:7"
    same = idempotency_key("checkout", "item:7", params, "nonce-1")
    assert same == idempotency_key("checkout", "item:7", params, "nonce-1")
    assert same != idempotency_key("checkout", "item:7", params, "nonce-2")
    assert same.startswith("payserv-checkout-item-7-")


def test_coupon_and_tax_rate_params() -> None:
    percent = Discount(1, "Ten", Decimal("12.50"), None, None, NOW)
    assert coupon_params(percent) == {"name": "Ten", "duration": "once", "percent_off": "12.5"}
    amount = Discount(2, "Five", None, Decimal("5.00"), "USD", NOW)
    assert coupon_params(amount)["amount_off"] == 500
    tax = Tax(3, "VAT", Decimal("20.0000"), True, NOW)
    assert tax_rate_params(tax) == {"display_name": "VAT", "percentage": "20", "inclusive": True}


def test_one_stripe_object_key_per_account_and_object() -> None:
    params = {"name": "Ten", "duration": "once", "percent_off": "10"}
    key = stripe_object_key("acct-a", "coupon", 3, params)
    assert key == stripe_object_key("acct-a", "coupon", 3, dict(params))  # every racer
    assert key.startswith("payserv-coupon-3-")
    assert key != stripe_object_key("acct-b", "coupon", 3, params)
    assert key != stripe_object_key("acct-a", "coupon", 4, params)
    assert key != stripe_object_key("acct-a", "tax_rate", 3, params)


def test_account_per_currency_with_fallback_and_key_free_fingerprint() -> None:
    settings = Settings(
        stripe_secret_keys={"USD": "sk_usd", "": "sk_default"},
        stripe_publishable_keys={"USD": "pk_usd"},
    )
    usd = find_account(settings, "usd")
    assert usd is not None and usd.secret_key == "sk_usd" and usd.publishable_key == "pk_usd"
    eur = find_account(settings, "EUR")
    assert eur is not None and eur.secret_key == "sk_default" and eur.publishable_key is None
    assert "sk_" not in usd.fingerprint and usd.fingerprint != eur.fingerprint
    assert find_account(Settings(), "USD") is None


def test_paid_events() -> None:
    def event(kind: str, obj: Mapping[str, object]) -> dict[str, Any]:
        return {"id": "evt", "type": kind, "data": {"object": obj}}

    session = {"id": "cs_1", "client_reference_id": "order:3", "payment_status": "paid"}
    assert _paid_object(event("checkout.session.completed", session)) == ("cs_1", "order:3")
    unpaid = {**session, "payment_status": "unpaid"}
    assert _paid_object(event("checkout.session.completed", unpaid)) is None
    intent = {"id": "pi_1", "metadata": {"reference": "item:9"}}
    assert _paid_object(event("payment_intent.succeeded", intent)) == ("pi_1", "item:9")
    bogus = {"id": "cs_2", "client_reference_id": "user:1"}
    assert _paid_object(event("checkout.session.completed", bogus)) is None
    assert _paid_object(event("charge.refunded", session)) is None
