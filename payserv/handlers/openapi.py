"""``GET /api/openapi.json``: the OpenAPI 3.1 document of the JSON API, as shipped."""

from __future__ import annotations

from functools import cache
from importlib import resources

from aiohttp import web

DOCUMENT = "openapi.json"


@cache
def openapi_document() -> bytes:
    """The bytes of ``payserv/openapi.json``, read once per process."""
    return resources.files("payserv").joinpath(DOCUMENT).read_bytes()


async def openapi_json(request: web.Request) -> web.Response:
    """The document, byte for byte, as ``application/json``."""
    return web.Response(body=openapi_document(), content_type="application/json", charset="utf-8")
