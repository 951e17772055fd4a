"""Schemathesis over a live payserv: every documented operation, positive and negative data.

Blocking (requests + Hypothesis): run :func:`fuzz` in a thread, never on an event loop that
serves the application or its fakes.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import hypothesis
import requests
import schemathesis
from hypothesis import strategies as st
from schemathesis import APIOperation, Case, GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Err
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

# No 5xx, and every response as documented: status code, content type, body schema.
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
REQUEST_TIMEOUT_SECONDS = 15.0


@dataclass(frozen=True)
class Finding:
    """One distinct failed check, with a request that reproduces it."""

    operation: str
    status: int | None
    problem: str
    reproduce: str


@dataclass
class FuzzReport:
    """What a run did: cases per operation, status codes seen, distinct findings."""

    cases: Counter[str] = field(default_factory=Counter)
    statuses: Counter[int] = field(default_factory=Counter)
    outcomes: Counter[tuple[str, int]] = field(default_factory=Counter)
    findings: dict[tuple[str, str], Finding] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def total(self) -> int:
        return sum(self.cases.values())

    def summary(self) -> str:
        """One line for the test log."""
        statuses = ", ".join(f"{code}: {n}" for code, n in sorted(self.statuses.items()))
        return (
            f"schemathesis: {self.total} cases over {len(self.cases)} operations in "
            f"{self.seconds:.1f} s; statuses {{{statuses}}}; {len(self.findings)} findings"
        )

    def record(self, operation: str, status: int | None, problem: str, reproduce: str) -> None:
        # The first request that shows a problem is kept: enough to reproduce it.
        key = (operation, problem.splitlines()[0] if problem else "")
        self.findings.setdefault(key, Finding(operation, status, problem, reproduce))


@dataclass(frozen=True)
class Known:
    """Path parameters and body fields that name existing objects, for one operation."""

    path: Mapping[str, Any]
    body: Mapping[str, Any]


@dataclass(frozen=True)
class Target:
    """Where and as whom to send the cases."""

    base_url: str
    headers: Mapping[str, str]
    session: requests.Session


def fuzz(
    schema_url: str,
    base_url: str,
    headers: Mapping[str, str],
    known_path_parameters: Mapping[str, Mapping[str, Any]],
    known_body_fields: Mapping[str, Mapping[str, Any]],
    *,
    max_examples: int,
    modes: tuple[GenerationMode, ...] = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE),
) -> FuzzReport:
    """Fuzz every operation of the document at ``schema_url``, ``max_examples`` per mode.

    ``known_path_parameters`` maps a path template to ids of objects that exist, and
    ``known_body_fields`` an operation (``"POST /api/v1/payments"``) to body fields naming
    them; about half of the cases use them, to get past the 404 of a random id.
    """
    started = time.monotonic()
    schema = schemathesis.openapi.from_url(schema_url)
    report = FuzzReport()
    with requests.Session() as session:
        target = Target(base_url, headers, session)
        for result in schema.get_all_operations():
            if isinstance(result, Err):
                raise result.err()  # an operation the document cannot describe: fail loudly
            operation = result.ok()
            known = Known(
                known_path_parameters.get(operation.path, {}),
                known_body_fields.get(operation.label, {}),
            )
            for mode in modes:
                run = _operation_test(operation, mode, known, target, report)
                try:
                    hypothesis.settings(
                        max_examples=max_examples,
                        derandomize=True,  # the same cases on every run
                        database=None,
                        deadline=None,
                        suppress_health_check=list(hypothesis.HealthCheck),
                        phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],
                    )(run)()
                except hypothesis.errors.Unsatisfiable:
                    # Nothing to negate (no parameters, no body): no negative case exists.
                    if mode is not GenerationMode.NEGATIVE:
                        raise
    report.seconds = time.monotonic() - started
    return report


def _operation_test(
    operation: APIOperation,
    mode: GenerationMode,
    known: Known,
    target: Target,
    report: FuzzReport,
) -> Any:
    """A Hypothesis test that sends each case once and records (never raises) failures."""

    @hypothesis.given(case=operation.as_strategy(generation_mode=mode), use_known=st.booleans())
    def run(case: Case, use_known: bool) -> None:
        if use_known and known.path:
            case.path_parameters = {**(case.path_parameters or {}), **known.path}
        if use_known and known.body and isinstance(case.body, dict):
            case.body = {**case.body, **known.body}
        report.cases[operation.label] += 1
        _send(case, target, report)

    return run


def _send(case: Case, target: Target, report: FuzzReport) -> None:
    label = case.operation.label
    headers = dict(target.headers)
    try:
        response = case.call(
            base_url=target.base_url,
            session=target.session,
            headers=headers,
            timeout=REQUEST_TIMEOUT_SECONDS,
        )
    except requests.RequestException as exc:
        report.record(label, None, f"no response: {exc!r}", case.as_curl_command(headers))
        return
    report.statuses[response.status_code] += 1
    report.outcomes[(label, response.status_code)] += 1
    try:
        case.validate_response(response, checks=CHECKS, headers=headers)
    except schemathesis.errors.FailureGroup as group:
        for failure in group.exceptions:
            problem = f"{failure.title}\n{failure.message}".strip()
            curl = case.as_curl_command(headers)
            report.record(label, response.status_code, problem, curl)
