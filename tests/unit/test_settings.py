"""Settings from the environment: defaults, parsing, and errors naming the variable."""

from __future__ import annotations

from pathlib import Path

import pytest

from payserv.errors import SettingsError
from payserv.settings import load_settings


def test_defaults() -> None:
    settings = load_settings({})
    assert settings.embedded and settings.database_url is None
    assert settings.data_dir == Path(".payserv")
    assert (settings.host, settings.port) == ("0.0.0.0", 8000)
    assert settings.token_ttl_seconds == 86400
    assert settings.max_body_bytes == 1024 * 1024
    assert settings.check_status_failure_rate == 0.7
    assert settings.seeds_test_merchant


def test_values_are_parsed() -> None:
    settings = load_settings(
        {
            "DATABASE_URL": "postgresql://db/payserv",
            "PORT": "9000",
            "TEST_MODE": "true",
            "TEST_PAYMENT_SUCCESS": "false",
            "STRIPE_SECRET_KEY_EUR": "sk_eur",
            "STRIPE_SECRET_KEY": "sk_default",
            "ATOMPAY_MERCH_ID": "317157",
        }
    )
    assert settings.port == 9000 and settings.test_mode is True
    assert settings.test_payment_success is False
    assert dict(settings.stripe_secret_keys) == {"EUR": "sk_eur", "": "sk_default"}
    assert dict(settings.atompay) == {"ATOMPAY_MERCH_ID": "317157"}
    assert not settings.embedded and settings.seeds_test_merchant  # test mode seeds it
    assert not load_settings({"DATABASE_URL": "postgresql://db/x"}).seeds_test_merchant


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("PORT", "abc"),
        ("PORT", "70000"),
        ("TEST_MODE", "maybe"),
        ("TOKEN_TTL_SECONDS", "0"),
        ("CHECK_STATUS_FAILURE_RATE", "1.5"),
        ("STATUS_POLL_TIME_SCALE", "nan"),
        ("LOG_FORMAT", "xml"),
        ("WORKER_CONCURRENCY", "-1"),
    ],
)
def test_bad_values_name_the_variable(name: str, value: str) -> None:
    with pytest.raises(SettingsError, match=name):
        load_settings({name: value})


def test_repr_hides_secrets() -> None:
    settings = load_settings({"SECRET_KEY": "topsecret", "BANK_WEBHOOK_SECRET": "banksecret"})
    assert "topsecret" not in repr(settings) and "banksecret" not in repr(settings)


def test_private_webhook_urls_are_refused_unless_allowed_or_in_test_mode() -> None:
    assert load_settings({}).webhook_allow_private_urls is False
    assert not load_settings({}).allows_private_webhook_urls
    assert load_settings({"WEBHOOK_ALLOW_PRIVATE_URLS": "true"}).allows_private_webhook_urls
    assert load_settings({"TEST_MODE": "true"}).allows_private_webhook_urls
    with pytest.raises(SettingsError, match="WEBHOOK_ALLOW_PRIVATE_URLS"):
        load_settings({"WEBHOOK_ALLOW_PRIVATE_URLS": "sometimes"})


def test_cookie_secure_is_off_unless_set() -> None:
    assert load_settings({}).cookie_secure is False
    assert load_settings({"COOKIE_SECURE": "true"}).cookie_secure is True
    with pytest.raises(SettingsError, match="COOKIE_SECURE"):
        load_settings({"COOKIE_SECURE": "maybe"})


def test_sandbox_is_off_unless_asked_for() -> None:
    settings = load_settings({})
    assert not settings.sandbox
    assert settings.sandboxes == ()


def test_sandbox_covers_only_the_providers_left_unconfigured() -> None:
    both = load_settings({"PAYSERV_SANDBOX": "true", "PORT": "8123"})
    assert both.sandboxes == ("atompay", "stripe")
    assert both.sandbox_base_url == "http://127.0.0.1:8123"
    real_stripe = load_settings({"PAYSERV_SANDBOX": "true", "STRIPE_SECRET_KEY": "sk_test_x"})
    assert real_stripe.sandboxes == ("atompay",)
    real_atompay = load_settings({"PAYSERV_SANDBOX": "true", "ATOMPAY_MERCH_ID": "317157"})
    assert real_atompay.sandboxes == ("stripe",)


def test_sandbox_url_can_point_at_the_web_process() -> None:
    settings = load_settings({"PAYSERV_SANDBOX": "1", "PAYSERV_SANDBOX_URL": "http://web:8000/"})
    assert settings.sandbox_base_url == "http://web:8000"
