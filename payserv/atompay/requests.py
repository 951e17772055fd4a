"""Validation of the JSON bodies of the AtomPay API (DESIGN §2, §8)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from payserv.atompay.events import EVENT_KINDS
from payserv.atompay.payments import NewPayment
from payserv.errors import BadRequestError
from payserv.fields import require_int, require_str
from payserv.money import parse_decimal_amount

# AtomPay limits custEmail to 100 and custMobile to 20 characters.
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE = re.compile(r"^\+?[0-9]{7,15}$")
MAX_TEAM_MEMBERS = 50
MAX_FEE = Decimal("9999999999.99")  # what events.fee, numeric(12, 2), holds


def require_kind(body: Mapping[str, Any], name: str) -> str:
    """``solo`` or ``team``."""
    value = require_str(body, name, max_length=10)
    if value not in EVENT_KINDS:
        raise BadRequestError(f"{name} must be one of {', '.join(EVENT_KINDS)}", field=name)
    return value


def read_new_payment(body: Mapping[str, Any], user_id: int) -> NewPayment:
    """The fields of ``POST /atompay``; any amount the client sends is ignored."""
    event_id = require_int(body, "event_id", minimum=1, maximum=2**63 - 1)
    event_type = require_kind(body, "event_type")
    email = require_str(body, "email", max_length=100)
    if email is None or not _EMAIL.match(email):
        raise BadRequestError("email must be an email address", field="email")
    phone = require_str(body, "phone", max_length=20)
    if phone is None or not _PHONE.match(phone):
        raise BadRequestError("phone must be 7 to 15 digits, optionally after +", field="phone")
    team_name = require_str(body, "team_name", max_length=100, required=event_type == "team")
    members = _team_members(body)
    if event_type == "solo":
        # A solo registration has no team: whatever team fields came along are dropped.
        team_name, members = None, []
    return NewPayment(
        user_id=user_id,
        event_id=event_id,
        event_type=event_type,
        email=email,
        phone=phone,
        team_name=team_name,
        team_members=members,
    )


def _team_members(body: Mapping[str, Any]) -> list[str]:
    members = body.get("team_members")
    if members is None:
        return []
    if not isinstance(members, list) or len(members) > MAX_TEAM_MEMBERS:
        raise BadRequestError(
            f"team_members must be a list of at most {MAX_TEAM_MEMBERS} names",
            field="team_members",
        )
    for member in members:
        if not isinstance(member, str) or not 1 <= len(member) <= 100:
            raise BadRequestError(
                "each of team_members must be a string of 1 to 100 characters",
                field="team_members",
            )
    return list(members)


def read_new_event(body: Mapping[str, Any]) -> tuple[str, Decimal, str]:
    """``{"name", "fee", "kind"}`` of ``POST /api/events``."""
    name = require_str(body, "name", max_length=200)
    fee = parse_decimal_amount(body.get("fee"), field="fee")
    if fee > MAX_FEE:
        raise BadRequestError(f"fee must be at most {MAX_FEE}", field="fee")
    return name, fee, require_kind(body, "kind")
