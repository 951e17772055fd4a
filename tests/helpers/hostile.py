"""Classes of hostile input, derived from the OpenAPI document, and a raw HTTP client.

Each class (header bytes that are not UTF-8, numbers with thousands of digits, decimals
with too many places) is applied to every operation the document describes, so a new
route or field is covered without a new test. aiohttp's client refuses header values
that are not UTF-8, so :func:`raw_request` writes the request bytes itself.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient

# "9" * 5000: past Python's 4,300-digit int() limit, and any column's range.
HUGE_NUMBER = "9" * 5000
BIGINT_OVERFLOW = str(2**63)
NOT_UTF8 = b"\xff\xfe\xc3\x28"
# A documented decimal string: `^[0-9]{1,12}(\.[0-9]{1,2})?$` allows 2 places.
_DECIMAL_PATTERN = re.compile(r"\\\.\[0-9\]\{1,(\d+)\}")
_PLACEHOLDER = re.compile(r"\{(\w+)\}")


@dataclass(frozen=True)
class RawResponse:
    """Status, headers (lower-cased names) and body of one response."""

    status: int
    headers: Mapping[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


async def raw_request(
    host: str,
    port: int,
    method: str,
    target: str,
    headers: Sequence[tuple[str, bytes]],
    body: bytes = b"",
) -> RawResponse:
    """Send one hand-written HTTP/1.1 request (header values as raw bytes) and read the answer."""
    reader, writer = await asyncio.open_connection(host, port)
    try:
        lines = [
            f"{method} {target} HTTP/1.1".encode(),
            f"Host: {host}:{port}".encode(),
            b"Connection: close",
            b"Content-Length: " + str(len(body)).encode(),
            *(name.encode() + b": " + value for name, value in headers),
        ]
        writer.write(b"\r\n".join(lines) + b"\r\n\r\n" + body)
        raw = await reader.read()  # Connection: close, so the answer ends at EOF
    finally:
        writer.close()
        await writer.wait_closed()
    head, _, payload = raw.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    fields = dict(line.split(": ", 1) for line in header_lines)
    response_headers = {name.lower(): value for name, value in fields.items()}
    assert "transfer-encoding" not in response_headers, response_headers
    return RawResponse(int(status_line.split()[1]), response_headers, payload)


@dataclass(frozen=True)
class Operation:
    """One documented operation: what it takes and how it is authenticated."""

    method: str
    path: str
    schemes: frozenset[str]
    parameters: tuple[Mapping[str, Any], ...]
    example: Any

    @property
    def label(self) -> str:
        return f"{self.method} {self.path}"

    def names(self, where: str) -> list[str]:
        """Names of the parameters ``in`` ``where`` (path, query, header)."""
        return [p["name"] for p in self.parameters if p["in"] == where]

    def integer_path_ids(self) -> list[str]:
        return [
            p["name"]
            for p in self.parameters
            if p["in"] == "path" and p.get("schema", {}).get("type") == "integer"
        ]


def _resolve(document: Mapping[str, Any], node: Any) -> Any:
    """``node``, or what its ``$ref`` names (``#/components/...``)."""
    while isinstance(node, Mapping) and "$ref" in node:
        target: Any = document
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def _body_schema(document: Mapping[str, Any], operation: Mapping[str, Any]) -> Any:
    content = operation.get("requestBody", {}).get("content", {})
    return _resolve(document, content.get("application/json", {}).get("schema"))


def operations(document: Mapping[str, Any]) -> list[Operation]:
    """Every operation of the document, with its body's example (None when it has none)."""
    found = []
    for path, item in document["paths"].items():
        for method, operation in item.items():
            schemes = {name for req in operation.get("security", []) for name in req}
            parameters = tuple(_resolve(document, p) for p in operation.get("parameters", []))
            schema = _body_schema(document, operation) or {}
            example = schema.get("example")
            found.append(Operation(method.upper(), path, frozenset(schemes), parameters, example))
    return found


def decimal_fields(document: Mapping[str, Any]) -> Iterator[tuple[Operation, str, int]]:
    """(operation, body field, decimals allowed) for every decimal field of a request body.

    A decimal field is documented as a number or a string whose pattern allows 1–N decimals.
    """
    for operation in operations(document):
        raw = document["paths"][operation.path][operation.method.lower()]
        schema = _body_schema(document, raw) or {}
        for variant in schema.get("oneOf", [schema]):
            properties = _resolve(document, variant).get("properties", {})
            for name, field in properties.items():
                for alternative in field.get("oneOf", []):
                    match = _DECIMAL_PATTERN.search(alternative.get("pattern", ""))
                    if alternative.get("type") == "string" and match:
                        yield operation, name, int(match.group(1))


def fill_path(template: str, values: Mapping[str, str], default: str) -> str:
    """``template`` with each ``{name}`` replaced by ``values[name]`` or ``default``."""
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), default), template)


def placeholders(template: str) -> list[str]:
    """The ``{name}`` placeholders of a path template."""
    return _PLACEHOLDER.findall(template)


@dataclass(frozen=True)
class HostileClient:
    """Sends documented operations to a test app with valid credentials, one part replaced."""

    client: TestClient[web.Request, web.Application]
    document: Mapping[str, Any]
    credentials: Mapping[str, bytes]

    def text_credentials(self) -> dict[str, str]:
        """The credentials as aiohttp client headers."""
        return {name: value.decode() for name, value in self.credentials.items()}

    async def send(
        self,
        operation: Operation,
        headers: Mapping[str, bytes] | None = None,
        *,
        path: Mapping[str, str] | None = None,
        query: str = "",
        body: bytes | None = None,
    ) -> RawResponse:
        """``operation`` with ``headers`` over the credentials; ids in the path default to 1.

        The body defaults to the operation's documented example (nothing for a GET).
        """
        target = fill_path(operation.path, path or {}, "1") + query
        if body is None and operation.method != "GET":
            body = json.dumps(operation.example or {}).encode()
        merged = {**self.credentials, **(headers or {})}
        server = self.client.server
        assert server.host is not None and server.port is not None
        return await raw_request(
            server.host, server.port, operation.method, target, list(merged.items()), body or b""
        )
