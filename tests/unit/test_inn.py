"""Russian INN validation: length, digits and the 10- and 12-digit checksums."""

from __future__ import annotations

import pytest

from payserv.bank.inn import inn_checksum_valid, validate_inn
from payserv.errors import BadRequestError

WEIGHTS_10 = [2, 4, 10, 3, 5, 9, 4, 6, 8]
WEIGHTS_11 = [7, 2, 4, 10, 3, 5, 9, 4, 6, 8]
WEIGHTS_12 = [3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8]


def check_digit(prefix: str, weights: list[int]) -> str:
    """The INN check digit of ``prefix``, computed independently of payserv."""
    return str(sum(int(d) * w for d, w in zip(prefix, weights, strict=True)) % 11 % 10)


def make_inn10(prefix9: str) -> str:
    return prefix9 + check_digit(prefix9, WEIGHTS_10)


def make_inn12(prefix10: str) -> str:
    eleven = prefix10 + check_digit(prefix10, WEIGHTS_11)
    return eleven + check_digit(eleven, WEIGHTS_12)


def test_helpers_reproduce_known_inns() -> None:
    assert make_inn10("770708389") == "7707083893"
    assert make_inn12("5001007322") == "500100732259"


@pytest.mark.parametrize(
    "inn",
    [
        "7707083893",
        "500100732259",
        make_inn10("123456789"),
        make_inn10("999999999"),
        make_inn12("1234567890"),
        make_inn12("9876543210"),
    ],
)
def test_valid_inns(inn: str) -> None:
    assert inn_checksum_valid(inn)
    assert validate_inn(inn) == inn


@pytest.mark.parametrize(
    "inn",
    [
        "7707083894",  # 10th digit wrong
        "7707083883",  # a body digit changed
        "500100732258",  # 12th digit wrong
        "500100732249",  # 11th digit wrong
        "500100732269",  # 11th digit wrong, 12th computed for the original
    ],
)
def test_bad_checksums(inn: str) -> None:
    assert not inn_checksum_valid(inn)
    with pytest.raises(BadRequestError, match="checksum") as raised:
        validate_inn(inn)
    assert raised.value.field == "payer_inn"


@pytest.mark.parametrize(
    "inn", ["", "12345", "770708389", "77070838931", "5001007322590", "7" * 11, "1" * 40]
)
def test_wrong_length(inn: str) -> None:
    assert not inn_checksum_valid(inn)
    with pytest.raises(BadRequestError, match="10 or 12 digits long") as raised:
        validate_inn(inn)
    assert raised.value.field == "payer_inn"


@pytest.mark.parametrize(
    "inn",
    [
        "77070838a3",
        " 7707083893",
        "7707083893 ",
        "7707-083893",
        "+707083893",
        "７７０７０８３８９３",  # fullwidth digits
        "٧٧٠٧٠٨٣٨٩٣",  # Arabic-Indic digits
        "770708389²",
    ],
)
def test_non_digits(inn: str) -> None:
    assert not inn_checksum_valid(inn)
    with pytest.raises(BadRequestError, match="nothing else") as raised:
        validate_inn(inn)
    assert raised.value.field == "payer_inn"


@pytest.mark.parametrize("inn", [7707083893, None, 7707083893.0, b"7707083893", ["7707083893"]])
def test_non_strings(inn: object) -> None:
    with pytest.raises(BadRequestError, match="must be a string") as raised:
        validate_inn(inn)
    assert raised.value.field == "payer_inn"


def test_field_name_is_used() -> None:
    with pytest.raises(BadRequestError) as raised:
        validate_inn("123", field="inn")
    assert raised.value.field == "inn"
    assert raised.value.description.startswith("inn ")
    assert raised.value.to_body()["error"] == {
        "code": "BAD_REQUEST_ERROR",
        "description": raised.value.description,
        "field": "inn",
    }
