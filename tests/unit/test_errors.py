"""One base class: every exception payserv defines, in any module, is a PayservError."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import payserv
from payserv.errors import PayservError, SettingsError, StartupError


def _payserv_exceptions() -> list[type[BaseException]]:
    """Every exception class defined in a module of the payserv package."""
    found: list[type[BaseException]] = []
    for info in pkgutil.walk_packages(payserv.__path__, prefix="payserv."):
        module = importlib.import_module(info.name)
        found.extend(
            cls
            for _, cls in inspect.getmembers(module, inspect.isclass)
            if issubclass(cls, BaseException) and cls.__module__ == module.__name__
        )
    return found


def test_every_error_class_has_the_one_base() -> None:
    classes = _payserv_exceptions()
    assert {"PayservError", "AtomPayCryptoError", "RetryableStatusError"} <= {
        cls.__name__ for cls in classes
    }
    assert [cls.__qualname__ for cls in classes if not issubclass(cls, PayservError)] == []


def test_start_up_errors_keep_their_one_line_message() -> None:
    for cls in (StartupError, SettingsError):
        error = cls("PORT='x' is not a valid int")
        assert isinstance(error, PayservError)
        assert str(error) == "PORT='x' is not a valid int"
