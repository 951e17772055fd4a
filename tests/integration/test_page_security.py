"""Every HTML page: CSP with a per-response nonce, no framing, CSRF tokens on forms (DESIGN §4b)."""

from __future__ import annotations

import re

from aiohttp import ClientResponse

from payserv.pages import CSRF_COOKIE
from tests.conftest import AppFactory, UserFactory
from tests.integration.shop.conftest import Client

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def policy(response: ClientResponse) -> dict[str, list[str]]:
    """The page's Content-Security-Policy as ``{directive: [sources]}``."""
    directives = [part.split() for part in response.headers["Content-Security-Policy"].split(";")]
    return {name: sources for name, *sources in directives}


def assert_page_headers(response: ClientResponse) -> dict[str, list[str]]:
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    csp = policy(response)
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["object-src"] == ["'none'"]
    assert "'unsafe-inline'" not in csp["script-src"]
    return csp


def assert_scripts_carry_the_nonce(response: ClientResponse, page: str) -> dict[str, list[str]]:
    """Every inline ``<script>`` of ``page`` carries the nonce its CSP header allows."""
    csp = assert_page_headers(response)
    [nonce] = [s[len("'nonce-") : -1] for s in csp["script-src"] if s.startswith("'nonce-")]
    inline = [tag for tag in re.findall(r"<script[^>]*>", page) if "src=" not in tag]
    assert inline, "the page has no inline script"
    assert all(f'nonce="{nonce}"' in tag for tag in inline), inline
    return csp


async def login_form(client: Client) -> str:
    """Open the login page (which sets the CSRF cookie) and return its form's token."""
    page = await client.get("/admin/")
    match = TOKEN.search(await page.text())
    assert match is not None
    return match.group(1)


async def test_every_page_has_the_headers_and_a_fresh_nonce(start_app: AppFactory) -> None:
    client = await start_app(run_worker=False)
    first, second = await client.get("/admin/"), await client.get("/admin/")
    nonces = []
    for response in (first, second):
        csp = assert_page_headers(response)
        [nonce_source] = [s for s in csp["script-src"] if s.startswith("'nonce-")]
        nonces.append(nonce_source[len("'nonce-") : -1])
    assert nonces[0] != nonces[1]
    error_page = await client.get("/atompay/result/NOSUCH")
    assert error_page.status == 404 and error_page.content_type == "text/html"
    assert_page_headers(error_page)
    api = await client.get("/api/openapi.json")
    assert "Content-Security-Policy" not in api.headers
    assert api.headers["X-Content-Type-Options"] == "nosniff"


async def test_cross_site_login_and_logout_are_403(
    start_app: AppFactory, make_user: UserFactory
) -> None:
    client = await start_app(run_worker=False)
    await make_user("boss", superuser=True)
    credentials = {"username": "boss", "password": "password-boss"}
    # A forged form: no cookie, no token (what another site's auto-submitting form sends).
    forged = await client.post("/admin/login", data=credentials, allow_redirects=False)
    assert forged.status == 403 and forged.content_type == "text/html"
    assert "payserv_admin" not in forged.cookies
    assert_page_headers(forged)
    token = await login_form(client)
    wrong = await client.post("/admin/login", data={**credentials, "csrf_token": token[:-2] + "00"})
    assert wrong.status == 403
    cookie = client.session.cookie_jar.filter_cookies(client.make_url("/"))[CSRF_COOKIE].value
    client.session.cookie_jar.clear()  # the token without its cookie is worthless
    replayed = await client.post("/admin/login", data={**credentials, "csrf_token": token})
    assert replayed.status == 403
    client.session.cookie_jar.update_cookies({CSRF_COOKIE: cookie})
    login = await client.post(
        "/admin/login", data={**credentials, "csrf_token": token}, allow_redirects=False
    )
    assert login.status == 303
    forged_logout = await client.post("/admin/logout", allow_redirects=False)
    assert forged_logout.status == 403
    page = await (await client.get("/admin/")).text()
    assert "Logged in as" in page
    logout_token = TOKEN.search(page)
    assert logout_token is not None
    logout = await client.post(
        "/admin/logout", data={"csrf_token": logout_token.group(1)}, allow_redirects=False
    )
    assert logout.status == 303


async def test_unreadable_login_form_is_the_login_page_with_400(
    start_app: AppFactory, make_user: UserFactory
) -> None:
    client = await start_app(run_worker=False)
    await make_user("boss", superuser=True)
    token = await login_form(client)
    form = "application/x-www-form-urlencoded"
    bodies = [
        f"csrf_token={token}&username=bo%00ss&password=password-boss".encode(),
        f"csrf_token={token}&username=boss&password=pass%00word".encode(),
        f"csrf_token={token}&username=b\xffoss&password=password-boss".encode("latin-1"),
    ]
    for body in bodies:
        response = await client.post("/admin/login", data=body, headers={"Content-Type": form})
        assert response.status == 400, body
        assert 'action="/admin/login"' in await response.text()
        assert "payserv_admin" not in response.cookies


async def test_a_mangled_csrf_cookie_is_replaced(
    start_app: AppFactory, make_user: UserFactory
) -> None:
    client = await start_app(run_worker=False)
    await make_user("boss", superuser=True)
    headers = {"Cookie": "payserv_csrf=caf\xff"}  # not UTF-8 on the wire
    page = await client.get("/admin/", headers=headers)
    token = TOKEN.search(await page.text())
    assert page.status == 200 and token is not None
    assert page.cookies[CSRF_COOKIE].value.isascii()
    form = {"username": "boss", "password": "password-boss", "csrf_token": token.group(1)}
    login = await client.post("/admin/login", data=form, allow_redirects=False)
    assert login.status == 303
