"""The Stripe client wrapper: one keypair per currency, async calls, errors → 502/503."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

import aiohttp
import stripe
import structlog

from payserv.errors import ConfigurationError, UpstreamError
from payserv.settings import Settings
from payserv.shop import sandbox

log = structlog.get_logger(__name__)

DEFAULT_API_BASE = "https://api.stripe.com"
# Transient failures (network errors, 409/429/5xx, Stripe-Should-Retry) are retried by
# stripe-python itself with the same Idempotency-Key; StripeClient's default is 0 retries.
MAX_NETWORK_RETRIES = 2


@dataclass(frozen=True)
class StripeAccount:
    """The keypair used for one currency; ``fingerprint`` names the account, not the key."""

    currency: str
    secret_key: str
    publishable_key: str | None
    api_base: str

    @property
    def fingerprint(self) -> str:
        digest = hashlib.sha256(f"{self.api_base}\0{self.secret_key}".encode()).hexdigest()
        return digest[:32]


def secret_key_variable(currency: str) -> str:
    return f"STRIPE_SECRET_KEY_{currency.upper()}"


def publishable_key_variable(currency: str) -> str:
    return f"STRIPE_PUBLISHABLE_KEY_{currency.upper()}"


def find_account(settings: Settings, currency: str) -> StripeAccount | None:
    """The keypair for ``currency`` (falling back to the un-suffixed keys), if any."""
    currency = currency.upper()
    if settings.stripe_sandbox:
        # Every currency on the built-in sandbox's one fake account (DESIGN §8a).
        return StripeAccount(
            currency, sandbox.SECRET_KEY, sandbox.PUBLISHABLE_KEY, sandbox.api_base(settings)
        )
    secret = settings.stripe_secret_keys.get(currency) or settings.stripe_secret_keys.get("")
    if not secret:
        return None
    publishable = settings.stripe_publishable_keys.get(
        currency
    ) or settings.stripe_publishable_keys.get("")
    return StripeAccount(
        currency=currency,
        secret_key=secret,
        publishable_key=publishable or None,
        api_base=(settings.stripe_api_base or DEFAULT_API_BASE).rstrip("/"),
    )


def missing_key_message(currency: str) -> str:
    """What to set when a currency has no secret key (shown on pages and in 503s)."""
    return (
        f"Stripe is not configured for {currency.upper()}: set "
        f"{secret_key_variable(currency)} or STRIPE_SECRET_KEY"
    )


def require_account(settings: Settings, currency: str) -> StripeAccount:
    """The keypair for ``currency``; 503 CONFIGURATION_ERROR naming the variable if none."""
    account = find_account(settings, currency)
    if account is None:
        raise ConfigurationError(missing_key_message(currency))
    return account


class StripeGateway:
    """Async calls to one Stripe account, each with an idempotency key and a timeout."""

    def __init__(
        self, account: StripeAccount, session: aiohttp.ClientSession, timeout: float
    ) -> None:
        self.account = account
        http_client = stripe.AIOHTTPClient(
            timeout=aiohttp.ClientTimeout(total=timeout), session=session
        )
        self._client = stripe.StripeClient(
            account.secret_key,
            base_addresses={"api": account.api_base},
            max_network_retries=MAX_NETWORK_RETRIES,
            http_client=http_client,
        )

    async def create_checkout_session(self, params: dict[str, Any], key: str) -> Any:
        """``POST /v1/checkout/sessions``."""
        sessions = self._client.v1.checkout.sessions
        return await self._call("checkout_session", sessions.create_async, params, key)

    async def create_payment_intent(self, params: dict[str, Any], key: str) -> Any:
        """``POST /v1/payment_intents``."""
        intents = self._client.v1.payment_intents
        return await self._call("payment_intent", intents.create_async, params, key)

    async def create_coupon(self, params: dict[str, Any], key: str) -> Any:
        """``POST /v1/coupons``."""
        return await self._call("coupon", self._client.v1.coupons.create_async, params, key)

    async def create_tax_rate(self, params: dict[str, Any], key: str) -> Any:
        """``POST /v1/tax_rates``."""
        return await self._call("tax_rate", self._client.v1.tax_rates.create_async, params, key)

    async def _call(self, what: str, method: Any, params: dict[str, Any], key: str) -> Any:
        try:
            return await method(params=params, options={"idempotency_key": key})
        except stripe.StripeError as exc:
            status = exc.http_status
            log.warning(
                "stripe_request_failed",
                object=what,
                http_status=status,
                stripe_code=exc.code,
                error_type=type(exc).__name__,
            )
            raise UpstreamError(_describe(what, exc)) from None


def _describe(what: str, exc: stripe.StripeError) -> str:
    if isinstance(exc, stripe.APIConnectionError):
        return f"Stripe did not answer creating a {what} (network error or timeout)"
    message = exc.user_message or "no details"
    return f"Stripe refused to create a {what} (HTTP {exc.http_status}): {message}"
