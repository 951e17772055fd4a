"""Users and tokens (DESIGN §3)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import jwt
import pytest

from payserv.errors import BadRequestError
from payserv.users import User, create_user, issue_token
from tests.conftest import TEST_SECRET_KEY, AppFactory
from tests.helpers.cli import external_env, run_cli


@pytest.fixture
async def alice(db: asyncpg.Connection) -> User:
    return await create_user(db, "alice", "correct horse battery staple")


async def _token(client: object, username: str, password: str) -> tuple[int, dict[str, object]]:
    response = await client.post(  # type: ignore[attr-defined]
        "/users/token/", json={"username": username, "password": password}
    )
    return response.status, await response.json()


async def test_token_issued_and_accepted_as_token_and_bearer(
    start_app: AppFactory, alice: User
) -> None:
    client = await start_app(run_worker=False)
    status, body = await _token(client, "alice", "correct horse battery staple")
    assert status == 200
    token = body["token"]
    assert isinstance(token, str)
    for scheme in ("Token", "Bearer", "bearer"):
        me = await client.get("/users/me/", headers={"Authorization": f"{scheme} {token}"})
        assert me.status == 200, scheme
        assert (await me.json())["username"] == "alice"
    claims = jwt.decode(token, TEST_SECRET_KEY, algorithms=["HS256"])
    assert claims["exp"] - claims["iat"] == 86400


async def test_bad_credentials_are_400(start_app: AppFactory, alice: User) -> None:
    client = await start_app(run_worker=False)
    for username, password in [("alice", "wrong"), ("nobody", "x")]:
        status, body = await _token(client, username, password)
        assert status == 400
        assert body["error"]["code"] == "BAD_REQUEST_ERROR"  # type: ignore[index]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"password": "x"}, "username"),
        ({"username": "a"}, "password"),
        ({"username": 5, "password": "x"}, "username"),
    ],
)
async def test_missing_or_wrong_fields_are_400_with_field(
    start_app: AppFactory, payload: dict[str, object], field: str
) -> None:
    client = await start_app(run_worker=False)
    response = await client.post("/users/token/", json=payload)
    assert response.status == 400
    assert (await response.json())["error"]["field"] == field


async def test_rejected_tokens(start_app: AppFactory, alice: User) -> None:
    client = await start_app(run_worker=False)
    good = issue_token(alice, TEST_SECRET_KEY, 60)
    expired = issue_token(alice, TEST_SECRET_KEY, 60, now=datetime.now(UTC) - timedelta(hours=2))
    other_key = issue_token(alice, "another-secret-key-000000000000000000", 60)
    header, payload, signature = good.split(".")
    tampered_payload = jwt.encode({"sub": "999", "exp": 9999999999}, "x", algorithm="HS256")
    tampered = f"{header}.{tampered_payload.split('.')[1]}.{signature}"
    flipped = f"{header}.{payload}.{signature[:-2]}{'AA' if signature[-2:] != 'AA' else 'BB'}"
    unsigned = jwt.encode({"sub": str(alice.id), "exp": 9999999999}, "", algorithm="none")
    cases = {
        "missing": {},
        "wrong scheme": {"Authorization": f"Basic {good}"},
        "empty": {"Authorization": "Token "},
        "expired": {"Authorization": f"Token {expired}"},
        "other key": {"Authorization": f"Token {other_key}"},
        "tampered payload": {"Authorization": f"Bearer {tampered}"},
        "flipped signature": {"Authorization": f"Bearer {flipped}"},
        "alg none": {"Authorization": f"Bearer {unsigned}"},
        "garbage": {"Authorization": "Bearer not.a.jwt"},
    }
    for name, headers in cases.items():
        response = await client.get("/users/me/", headers=headers)
        assert response.status == 401, name
        assert (await response.json())["error"]["code"] == "AUTHENTICATION_ERROR", name
    expired_body = await (
        await client.get("/users/me/", headers={"Authorization": f"Token {expired}"})
    ).json()
    assert "expired" in expired_body["error"]["description"]


async def test_password_is_stored_as_scrypt_hash(db: asyncpg.Connection, alice: User) -> None:
    stored = await db.fetchval("SELECT password_hash FROM users WHERE username = 'alice'")
    assert stored.startswith("scrypt$")
    assert "correct horse" not in stored


async def test_passwords_shorter_than_8_are_refused(
    db: asyncpg.Connection, dsn: str, repo_root: Path
) -> None:
    with pytest.raises(BadRequestError, match="at least 8") as refused:
        await create_user(db, "bob", "1234567")
    assert refused.value.field == "password"
    result = run_cli(
        repo_root, "createuser", "carol", "--password-stdin", env=external_env(dsn), stdin="x\n"
    )
    assert result.returncode == 1
    assert "at least 8 characters" in result.stderr
    assert await db.fetchval("SELECT count(*) FROM users") == 0
    assert (await create_user(db, "dave", "12345678")).username == "dave"
