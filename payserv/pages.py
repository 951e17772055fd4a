"""What every HTML page gets: a CSP with a fresh script nonce, anti-framing headers, CSRF tokens.

Two middlewares. :func:`page_headers_middleware` runs outermost, so error pages get the same
headers; :func:`csrf_middleware` runs inside the error middleware, so a bad token renders the
403 page. Templates put ``nonce="{{ csp_nonce }}"`` on every inline ``<script>`` and
``{{ csrf_token() }}`` in a hidden ``csrf_token`` field of every form that changes something.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from urllib.parse import parse_qs

import aiohttp_jinja2
from aiohttp import web
from aiohttp.typedefs import Handler
from yarl import URL

from payserv.context import SETTINGS
from payserv.errors import ForbiddenError

CSRF_COOKIE = "payserv_csrf"
CSRF_FIELD = "csrf_token"
_NEW_CSRF_COOKIE = web.RequestKey("new_csrf_cookie", str)
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True)
class Provider:
    """The origins a payment provider's script needs on our page."""

    script: tuple[str, ...]
    connect: tuple[str, ...]
    frame: tuple[str, ...]


STRIPE = Provider(
    script=("https://js.stripe.com",),
    connect=("https://api.stripe.com",),
    frame=("https://js.stripe.com", "https://hooks.stripe.com"),
)
_NO_PROVIDER = Provider((), (), ())
# Pages that load Stripe.js; AtomPay's checkout page is handled in _provider.
_STRIPE_PAGES = frozenset(
    {"page.shop_item", "page.shop_order", "page.shop_pay_item", "page.shop_pay_order"}
)
_ATOMPAY_PAGE = "page.atompay_checkout"
# The hosted checkout opens in merchants' sites (the SDK's iframe): any site may frame it.
_FRAMEABLE_PAGES = frozenset({"page.checkout", "page.checkout_order"})


def content_security_policy(
    nonce: str, provider: Provider | None, *, frameable: bool = False
) -> str:
    """The policy of one page: only nonce-carrying scripts, plus the provider's origins."""
    extra = provider or _NO_PROVIDER
    directives = {
        "default-src": ("'self'",),
        "script-src": (f"'nonce-{nonce}'", *extra.script),
        # Inline styles stay allowed: provider scripts inject them, and styles cannot run code.
        "style-src": ("'self'", "'unsafe-inline'"),
        "img-src": ("'self'", "data:"),
        "connect-src": ("'self'", *extra.connect),
        "frame-src": ("'self'", *extra.frame),
        "object-src": ("'none'",),
        "base-uri": ("'none'",),
        "form-action": ("'self'",),
        "frame-ancestors": ("*",) if frameable else ("'none'",),
    }
    return "; ".join(f"{name} {' '.join(sources)}" for name, sources in directives.items())


def _route_name(request: web.Request) -> str | None:
    route = request.match_info.route
    return route.name if route is not None else None


def _provider(request: web.Request) -> Provider | None:
    name = _route_name(request)
    if name in _STRIPE_PAGES:
        return STRIPE
    if name == _ATOMPAY_PAGE:
        script_url = request.app[SETTINGS].atompay.get("ATOMPAY_CHECKOUT_JS_URL")
        origin = _origin(script_url) if script_url else None
        return Provider((origin,), (origin,), (origin,)) if origin else None
    return None


def _origin(url: str) -> str | None:
    try:
        parsed = URL(url)
    except ValueError:
        return None
    return str(parsed.origin()) if parsed.absolute and parsed.host else None


@web.middleware
async def page_headers_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """A fresh nonce for the templates; the security headers on every HTML response."""
    nonce = secrets.token_urlsafe(18)
    context = request.setdefault(aiohttp_jinja2.REQUEST_CONTEXT_KEY, {})
    context["csp_nonce"] = nonce
    context["csrf_token"] = lambda: csrf_token(request)
    response = await handler(request)
    if response.prepared:
        return response
    # Every response: a browser must never guess a JSON error body to be HTML.
    response.headers["X-Content-Type-Options"] = "nosniff"
    if response.content_type == "text/html":
        frameable = _route_name(request) in _FRAMEABLE_PAGES
        response.headers["Content-Security-Policy"] = content_security_policy(
            nonce, _provider(request), frameable=frameable
        )
        if not frameable:
            response.headers["X-Frame-Options"] = "DENY"
        response.headers["Referrer-Policy"] = "same-origin"
        if _NEW_CSRF_COOKIE in request:
            _set_csrf_cookie(request, response, request[_NEW_CSRF_COOKIE])
    return response


def csrf_token(request: web.Request) -> str:
    """The token a form of this page carries: an HMAC of the visitor's CSRF cookie.

    The cookie is random (set here the first time); signing it means a cookie planted by
    someone without SECRET_KEY (a sibling subdomain) does not yield a valid token.
    """
    cookie = request.cookies.get(CSRF_COOKIE) or request.get(_NEW_CSRF_COOKIE)
    if not cookie or not cookie.isascii():  # replaced: it could never validate a form
        cookie = secrets.token_urlsafe(32)
        request[_NEW_CSRF_COOKIE] = cookie
    return _sign(request, cookie)


def _sign(request: web.Request, cookie: str) -> str:
    secret = request.app[SETTINGS].secret_key
    assert secret is not None  # resolve_database provides it
    return hmac.new(secret.encode(), b"csrf|" + cookie.encode(), hashlib.sha256).hexdigest()


def _set_csrf_cookie(request: web.Request, response: web.StreamResponse, value: str) -> None:
    # SameSite=Strict: a cross-site POST does not even carry it, whatever the token says.
    response.set_cookie(
        CSRF_COOKIE, value, path="/", httponly=True, samesite="Strict", secure=request.secure
    )


@web.middleware
async def csrf_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """403 page for a POST (any unsafe method) to a page route without a valid token."""
    route = request.match_info.route
    name = (route.name if route is not None else None) or ""
    unsafe = request.method not in _SAFE_METHODS and name.startswith("page.")
    if unsafe and not await _has_valid_token(request):
        raise ForbiddenError()
    return await handler(request)


async def _has_valid_token(request: web.Request) -> bool:
    cookie = request.cookies.get(CSRF_COOKIE)
    given = await _form_token(request)
    if not cookie or not given or not (cookie.isascii() and given.isascii()):
        return False
    return hmac.compare_digest(given, _sign(request, cookie))


async def _form_token(request: web.Request) -> str | None:
    """The form's token; any bytes decode as latin-1, so a body that is not UTF-8 still
    reaches its handler (which answers 400) once its ASCII token checks out."""
    if request.content_type == "application/x-www-form-urlencoded":
        fields = parse_qs((await request.read()).decode("latin-1"), encoding="latin-1")
        values = fields.get(CSRF_FIELD, [])
        return values[0] if len(values) == 1 else None
    if request.content_type == "multipart/form-data":
        try:
            value = (await request.post()).get(CSRF_FIELD)
        except ValueError:
            return None
        return value if isinstance(value, str) else None
    return None
