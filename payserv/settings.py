"""Settings: one frozen dataclass read from the environment, checked at start-up."""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from payserv.errors import SettingsError

T = TypeVar("T")

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


@dataclass(frozen=True)
class Settings:
    """Everything payserv reads from the environment (see README, "Configuration")."""

    database_url: str | None = None
    data_dir: Path = Path(".payserv")
    host: str = "0.0.0.0"  # noqa: S104 - a server in a container listens on all interfaces
    port: int = 8000
    secret_key: str | None = None
    token_ttl_seconds: int = 86400
    # Session cookies only over HTTPS (set behind a TLS-terminating proxy, where the
    # request itself looks like plain HTTP).
    cookie_secure: bool = False
    log_format: str = "auto"
    log_level: str = "INFO"
    max_body_bytes: int = 1024 * 1024
    db_pool_size: int = 20
    db_retry_seconds: float = 90.0
    worker_concurrency: int = 50
    worker_poll_interval: float = 0.25
    worker_heartbeat_interval: float = 5.0
    stalled_job_seconds: float = 30.0
    shutdown_timeout: float = 30.0
    # gateway
    test_mode: bool = False
    test_payment_success: bool | None = None
    test_processing_delay_ms: int = 1000
    webhook_retry_intervals_test: bool = False
    test_merchant_webhook_url: str | None = None
    webhook_time_scale: float = 1.0
    webhook_allow_private_urls: bool = False
    # Seconds between two sweeps of the webhook outbox by a worker process.
    webhook_sweep_interval: float = 1.0
    # bank
    bank_webhook_secret: str | None = None
    # polling
    check_status_url: str | None = None
    check_status_timeout: float = 2.0
    check_status_failure_rate: float = 0.7
    status_poll_time_scale: float = 1.0
    # shop
    stripe_secret_keys: Mapping[str, str] = field(default_factory=dict)
    stripe_publishable_keys: Mapping[str, str] = field(default_factory=dict)
    stripe_api_base: str | None = None
    stripe_webhook_secret: str | None = None
    stripe_timeout: float = 10.0
    # atompay
    atompay: Mapping[str, str] = field(default_factory=dict)
    atompay_reconcile_interval: int = 60
    atompay_reconcile_after: int = 120
    # sandboxes (README "Try it"): built-in stand-ins for the providers left unconfigured
    sandbox: bool = False
    sandbox_url: str | None = None

    @property
    def sandbox_base_url(self) -> str:
        """Where this installation's sandbox endpoints are reached (by its web and workers)."""
        return (self.sandbox_url or f"http://127.0.0.1:{self.port}").rstrip("/")

    @property
    def atompay_sandbox(self) -> bool:
        """AtomPay's sandbox is on: asked for, and no ATOMPAY_* setting given (real ones win)."""
        return self.sandbox and not self.atompay

    @property
    def stripe_sandbox(self) -> bool:
        """Stripe's sandbox is on: asked for, and no Stripe secret key given (real ones win)."""
        return self.sandbox and not self.stripe_secret_keys

    @property
    def sandboxes(self) -> tuple[str, ...]:
        """The providers served by a built-in sandbox, for the start-up line."""
        return tuple(
            name
            for name, on in (("atompay", self.atompay_sandbox), ("stripe", self.stripe_sandbox))
            if on
        )

    @property
    def embedded(self) -> bool:
        """True when payserv runs its own Postgres under ``data_dir``."""
        return self.database_url is None

    @property
    def seeds_test_merchant(self) -> bool:
        """DESIGN §3: the test merchant exists in test mode or on the embedded database."""
        return self.test_mode or self.embedded

    @property
    def allows_private_webhook_urls(self) -> bool:
        """Whether webhooks may go to loopback/private addresses (DESIGN §2)."""
        return self.webhook_allow_private_urls or self.test_mode

    def __repr__(self) -> str:
        # Settings hold secrets: never let a repr put them in a log line.
        return f"Settings(database={'embedded' if self.embedded else 'external'}, port={self.port})"


ATOMPAY_VARIABLES = (
    "ATOMPAY_MERCH_ID",
    "ATOMPAY_PASSWORD",
    "ATOMPAY_PRODUCT",
    "ATOMPAY_REQ_ENC_KEY",
    "ATOMPAY_RES_ENC_KEY",
    "ATOMPAY_REQ_HASH_KEY",
    "ATOMPAY_RES_HASH_KEY",
    "ATOMPAY_AUTH_URL",
    "ATOMPAY_STATUS_URL",
    "ATOMPAY_CHECKOUT_JS_URL",
    "ATOMPAY_RETURN_URL",
)


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Build :class:`Settings` from ``environ``; a bad value raises SettingsError naming it."""
    env = _Env(os.environ if environ is None else environ)
    return Settings(
        database_url=env.text("DATABASE_URL"),
        data_dir=Path(env.text("PAYSERV_DATA_DIR") or ".payserv"),
        host=env.text("HOST") or Settings.host,
        port=env.parse("PORT", int, Settings.port, lo=1, hi=65535),
        secret_key=env.text("SECRET_KEY"),
        token_ttl_seconds=env.parse("TOKEN_TTL_SECONDS", int, Settings.token_ttl_seconds, lo=1),
        log_format=env.choice("LOG_FORMAT", ("auto", "json", "console"), "auto"),
        log_level=env.choice(
            "LOG_LEVEL", ("DEBUG", "INFO", "WARNING", "ERROR"), "INFO", upper=True
        ),
        max_body_bytes=env.parse("MAX_BODY_BYTES", int, Settings.max_body_bytes, lo=1024),
        db_pool_size=env.parse("DB_POOL_SIZE", int, Settings.db_pool_size, lo=4, hi=500),
        db_retry_seconds=env.parse("DB_RETRY_SECONDS", float, Settings.db_retry_seconds, lo=0),
        worker_concurrency=env.parse(
            "WORKER_CONCURRENCY", int, Settings.worker_concurrency, lo=1, hi=200
        ),
        worker_poll_interval=env.parse(
            "WORKER_POLL_INTERVAL", float, Settings.worker_poll_interval, lo=0.01, hi=60
        ),
        worker_heartbeat_interval=env.parse(
            "WORKER_HEARTBEAT_INTERVAL", float, Settings.worker_heartbeat_interval, lo=0.1
        ),
        stalled_job_seconds=env.parse(
            "STALLED_JOB_SECONDS", float, Settings.stalled_job_seconds, lo=1
        ),
        shutdown_timeout=env.parse("SHUTDOWN_TIMEOUT", float, Settings.shutdown_timeout, lo=0),
        cookie_secure=env.flag("COOKIE_SECURE", False),
        test_mode=env.flag("TEST_MODE", False),
        test_payment_success=env.optional_flag("TEST_PAYMENT_SUCCESS"),
        test_processing_delay_ms=env.parse(
            "TEST_PROCESSING_DELAY", int, Settings.test_processing_delay_ms, lo=0
        ),
        webhook_retry_intervals_test=env.flag("WEBHOOK_RETRY_INTERVALS_TEST", False),
        test_merchant_webhook_url=env.text("TEST_MERCHANT_WEBHOOK_URL"),
        webhook_time_scale=env.parse("WEBHOOK_TIME_SCALE", float, 1.0, lo=0.001, hi=1000),
        webhook_allow_private_urls=env.flag("WEBHOOK_ALLOW_PRIVATE_URLS", False),
        webhook_sweep_interval=env.parse(
            "WEBHOOK_SWEEP_INTERVAL", float, Settings.webhook_sweep_interval, lo=0.01, hi=60
        ),
        bank_webhook_secret=env.text("BANK_WEBHOOK_SECRET"),
        check_status_url=env.text("CHECK_STATUS_URL"),
        check_status_timeout=env.parse(
            "CHECK_STATUS_TIMEOUT", float, Settings.check_status_timeout, lo=0.01
        ),
        check_status_failure_rate=env.parse(
            "CHECK_STATUS_FAILURE_RATE", float, Settings.check_status_failure_rate, lo=0, hi=1
        ),
        status_poll_time_scale=env.parse(
            "STATUS_POLL_TIME_SCALE", float, Settings.status_poll_time_scale, lo=0.0001, hi=1000
        ),
        stripe_secret_keys=env.prefixed("STRIPE_SECRET_KEY"),
        stripe_publishable_keys=env.prefixed("STRIPE_PUBLISHABLE_KEY"),
        stripe_api_base=env.text("STRIPE_API_BASE"),
        stripe_webhook_secret=env.text("STRIPE_WEBHOOK_SECRET"),
        stripe_timeout=env.parse("STRIPE_TIMEOUT", float, Settings.stripe_timeout, lo=0.1),
        atompay={name: value for name in ATOMPAY_VARIABLES if (value := env.text(name))},
        atompay_reconcile_interval=env.parse(
            "ATOMPAY_RECONCILE_INTERVAL", int, Settings.atompay_reconcile_interval, lo=1
        ),
        atompay_reconcile_after=env.parse(
            "ATOMPAY_RECONCILE_AFTER", int, Settings.atompay_reconcile_after, lo=0
        ),
        sandbox=env.flag("PAYSERV_SANDBOX", False),
        sandbox_url=env.text("PAYSERV_SANDBOX_URL"),
    )


class _Env:
    """Typed readers over an environment mapping; every error names its variable."""

    def __init__(self, environ: Mapping[str, str]) -> None:
        self.environ = environ

    def text(self, name: str) -> str | None:
        value = self.environ.get(name, "").strip()
        return value or None

    def parse(
        self,
        name: str,
        parse: Callable[[str], T],
        default: T,
        *,
        lo: float | None = None,
        hi: float | None = None,
    ) -> T:
        raw = self.text(name)
        if raw is None:
            return default
        try:
            value = parse(raw)
        except ValueError:
            raise SettingsError(f"{name}={raw!r} is not a valid {parse.__name__}") from None
        number = float(value)  # type: ignore[arg-type]
        if not math.isfinite(number):
            raise SettingsError(f"{name}={raw!r} must be a finite number")
        if (lo is not None and number < lo) or (hi is not None and number > hi):
            raise SettingsError(f"{name}={raw!r} must be between {lo} and {hi}")
        return value

    def optional_flag(self, name: str) -> bool | None:
        raw = self.text(name)
        if raw is None:
            return None
        return self.flag(name, False)

    def flag(self, name: str, default: bool) -> bool:
        raw = (self.environ.get(name) or "").strip().lower()
        if not raw:
            return default
        if raw in _TRUE:
            return True
        if raw in _FALSE:
            return False
        raise SettingsError(f"{name}={raw!r} must be true or false")

    def choice(
        self, name: str, allowed: tuple[str, ...], default: str, *, upper: bool = False
    ) -> str:
        raw = self.text(name)
        if raw is None:
            return default
        value = raw.upper() if upper else raw.lower()
        if value not in allowed:
            raise SettingsError(f"{name}={raw!r} must be one of {', '.join(allowed)}")
        return value

    def prefixed(self, prefix: str) -> dict[str, str]:
        """``PREFIX`` as key ``""`` and ``PREFIX_USD`` as key ``"USD"`` (DESIGN §7)."""
        keys: dict[str, str] = {}
        for name, value in self.environ.items():
            if not value.strip():
                continue
            if name == prefix:
                keys[""] = value.strip()
            elif name.startswith(prefix + "_") and len(name) == len(prefix) + 4:
                currency = name[len(prefix) + 1 :]
                if currency.isalpha():
                    keys[currency.upper()] = value.strip()
        return keys
