"""AtomPay settings (DESIGN §8): the ``ATOMPAY_*`` variables, checked when a request needs them,
or the built-in sandbox's fixed account (DESIGN §8a) when PAYSERV_SANDBOX is on and none is set."""

from __future__ import annotations

from dataclasses import dataclass

from payserv.errors import ConfigurationError
from payserv.settings import ATOMPAY_VARIABLES, Settings

# ATOMPAY_RETURN_URL is optional: without it the callback redirects to a result page.
REQUIRED_VARIABLES = tuple(name for name in ATOMPAY_VARIABLES if name != "ATOMPAY_RETURN_URL")


@dataclass(frozen=True, repr=False)
class AtomPayConfig:
    """The merchant's AtomPay credentials and endpoints."""

    merch_id: str
    password: str
    product: str
    req_enc_key: str
    res_enc_key: str
    req_hash_key: str
    res_hash_key: str
    auth_url: str
    status_url: str
    checkout_js_url: str
    return_url: str | None

    def __repr__(self) -> str:
        # The password and the four keys are secrets: keep them out of any log line.
        return f"AtomPayConfig(merch_id={self.merch_id!r}, auth_url={self.auth_url!r})"


def missing_variables(settings: Settings) -> list[str]:
    """The required ``ATOMPAY_*`` variables that are not set (none with the sandbox on)."""
    if settings.atompay_sandbox:
        return []
    return [name for name in REQUIRED_VARIABLES if not settings.atompay.get(name)]


def atompay_config(settings: Settings) -> AtomPayConfig:
    """The configuration, or ``503 CONFIGURATION_ERROR`` naming every missing variable."""
    if settings.atompay_sandbox:
        return sandbox_config(settings)
    missing = missing_variables(settings)
    if missing:
        raise ConfigurationError(f"AtomPay is not configured: set {', '.join(missing)}")
    values = settings.atompay
    return AtomPayConfig(
        merch_id=values["ATOMPAY_MERCH_ID"],
        password=values["ATOMPAY_PASSWORD"],
        product=values["ATOMPAY_PRODUCT"],
        req_enc_key=values["ATOMPAY_REQ_ENC_KEY"],
        res_enc_key=values["ATOMPAY_RES_ENC_KEY"],
        req_hash_key=values["ATOMPAY_REQ_HASH_KEY"],
        res_hash_key=values["ATOMPAY_RES_HASH_KEY"],
        auth_url=values["ATOMPAY_AUTH_URL"],
        status_url=values["ATOMPAY_STATUS_URL"],
        checkout_js_url=values["ATOMPAY_CHECKOUT_JS_URL"],
        return_url=values.get("ATOMPAY_RETURN_URL"),
    )


SANDBOX_PATH = "/sandbox/atompay"
SANDBOX_AUTH_PATH = f"{SANDBOX_PATH}/auth"
SANDBOX_STATUS_PATH = f"{SANDBOX_PATH}/status"
SANDBOX_CHECKOUT_JS_PATH = f"{SANDBOX_PATH}/checkout.js"


def sandbox_config(settings: Settings) -> AtomPayConfig:
    """The sandbox's account: fixed, public, fake credentials (they guard no money).

    payserv calls the sandbox's APIs at ``sandbox_base_url`` (how its web and worker
    processes reach the web process); the browser loads the checkout script from the
    page's own origin, which may differ (a proxy, a container's published port).
    """
    base = settings.sandbox_base_url
    return AtomPayConfig(
        merch_id="SANDBOX",
        password="sandbox-password-not-a-secret",  # noqa: S106 - public, sandbox only
        product="SANDBOX",
        req_enc_key="SANDBOX-REQ-ENC-KEY-NOT-A-SECRET",
        res_enc_key="SANDBOX-RES-ENC-KEY-NOT-A-SECRET",
        req_hash_key="SANDBOX-REQ-HASH-KEY-NOT-A-SECRET",
        res_hash_key="SANDBOX-RES-HASH-KEY-NOT-A-SECRET",
        auth_url=f"{base}{SANDBOX_AUTH_PATH}",
        status_url=f"{base}{SANDBOX_STATUS_PATH}",
        checkout_js_url=SANDBOX_CHECKOUT_JS_PATH,
        return_url=None,
    )
