"""A validly signed token whose ``sub`` names no possible user is a 401 (DESIGN §2, §3)."""

from __future__ import annotations

import time

import jwt

from tests.conftest import TEST_SECRET_KEY, AppFactory, UserFactory

# Out of users.id's bigint range, past int()'s 4,300 digits, zero, and forms int() would
# read as a number although they are not plain digits.
HOSTILE_SUBJECTS = [str(2**63), "9" * 5000, "0", "-1", " 1", "1_0", "١"]


async def test_signed_tokens_naming_no_possible_user_are_401(
    start_app: AppFactory, make_user: UserFactory
) -> None:
    client = await start_app(run_worker=False)
    await make_user()  # user 1 exists: " 1" and "١" must not reach it
    statuses = {}
    for subject in HOSTILE_SUBJECTS:
        claims = {"sub": subject, "exp": int(time.time()) + 3600}
        token = jwt.encode(claims, TEST_SECRET_KEY, algorithm="HS256")
        response = await client.get("/users/me/", headers={"Authorization": f"Bearer {token}"})
        error = (await response.json()).get("error", {})
        statuses[subject[:20]] = (response.status, error.get("code"))
    assert set(statuses.values()) == {(401, "AUTHENTICATION_ERROR")}, statuses
