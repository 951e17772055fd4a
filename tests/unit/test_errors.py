"""One base class: every error payserv's shared core defines is a PayservError."""

from __future__ import annotations

import inspect

from payserv import errors
from payserv.errors import PayservError, SettingsError, StartupError


def test_every_error_class_has_the_one_base() -> None:
    classes = [
        cls
        for _, cls in inspect.getmembers(errors, inspect.isclass)
        if issubclass(cls, BaseException) and cls.__module__ == errors.__name__
    ]
    assert classes
    assert [cls.__name__ for cls in classes if not issubclass(cls, PayservError)] == []


def test_start_up_errors_keep_their_one_line_message() -> None:
    for cls in (StartupError, SettingsError):
        error = cls("PORT='x' is not a valid int")
        assert isinstance(error, PayservError)
        assert str(error) == "PORT='x' is not a valid int"
