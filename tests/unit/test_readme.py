"""README.md stands alone: every variable payserv reads and every error code is in a table."""

from __future__ import annotations

import re
from pathlib import Path

import payserv.errors
from payserv.errors import PayservError
from payserv.settings import ATOMPAY_VARIABLES

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text()
# env.text("NAME"), env.parse("NAME", …), env.flag(…), env.prefixed(…): what load_settings reads.
ENV_READ = re.compile(r'env\.(\w+)\(\s*"([A-Z][A-Z0-9_]+)"')
TOKEN = re.compile(r"\b[A-Z][A-Z0-9_]+\b")


def table_names() -> set[str]:
    """The `NAME`s in the first cell of every markdown table row."""
    names: set[str] = set()
    for line in README.splitlines():
        if line.startswith("| `"):
            names.update(re.findall(r"`([^`]+)`", line.split("|")[1]))
    return names


def settings_variables() -> set[str]:
    """Every variable name load_settings reads; a prefixed one also as NAME_<CUR>."""
    source = (ROOT / "payserv" / "settings.py").read_text()
    names = set(ATOMPAY_VARIABLES)
    for reader, name in ENV_READ.findall(source):
        names.add(name)
        if reader == "prefixed":
            names.add(f"{name}_<CUR>")
    return names


def error_codes() -> set[str]:
    classes = [
        value
        for value in vars(payserv.errors).values()
        if isinstance(value, type) and issubclass(value, PayservError)
    ]
    return {cls.code for cls in classes}


def test_the_readme_does_not_point_outside_the_project() -> None:
    for outside in ("DESIGN", "../shared", "§"):
        assert outside not in README, f"README.md mentions {outside!r}"


def test_the_settings_reader_is_understood() -> None:
    names = settings_variables()
    assert {"PORT", "TEST_MODE", "STRIPE_SECRET_KEY_<CUR>", "PAYSERV_SANDBOX"} <= names
    assert len(names) > 40


def test_every_variable_payserv_reads_is_in_a_readme_table() -> None:
    missing = settings_variables() - table_names()
    assert not missing, f"not in a README table: {sorted(missing)}"


def test_every_error_code_is_in_the_readme_error_table() -> None:
    codes = error_codes()
    assert {"FORBIDDEN", "TOO_MANY_REQUESTS", "SIGNATURE_ERROR"} <= codes
    missing = codes - table_names()
    assert not missing, f"not in the README's error-code table: {sorted(missing)}"


def test_every_variable_or_code_the_readme_mentions_is_in_a_table() -> None:
    known = settings_variables() | error_codes()
    mentioned = {token for token in TOKEN.findall(README) if token in known}
    assert mentioned, "the README mentions no variable at all?"
    assert not mentioned - table_names()
