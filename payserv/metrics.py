"""Prometheus metrics of one payserv app, served at ``GET /metrics``.

Each app has its own registry (tests run several apps in one process). Routes are
labelled by their template (``/api/v1/payments/{id}``), never the raw path, so the
number of series stays bounded.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from aiohttp import web
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

JOB_STATUSES = ("todo", "doing", "succeeded", "failed", "cancelled", "aborted")


@dataclass(frozen=True)
class Metrics:
    """The metric families payserv records."""

    registry: CollectorRegistry
    http_requests: Counter
    http_latency: Histogram
    jobs: Counter
    job_duration: Histogram
    webhook_deliveries: Counter
    queue_depth: Gauge
    # (method, route, status) → its request counter and latency histogram: ``labels()``
    # validates and locks on every call, 1.5 % of a request's CPU; the series are bounded.
    _http_series: dict[tuple[str, str, int], tuple[Counter, Histogram]] = field(
        default_factory=dict, compare=False, repr=False
    )

    def observe_request(self, method: str, route: str, status: int, seconds: float) -> None:
        """Count one HTTP request and its latency."""
        series = self._http_series.get((method, route, status))
        if series is None:
            series = (
                self.http_requests.labels(method, route, str(status)),
                self.http_latency.labels(method, route),
            )
            self._http_series[(method, route, status)] = series
        series[0].inc()
        series[1].observe(seconds)


def create_metrics() -> Metrics:
    """A fresh registry with every payserv metric."""
    registry = CollectorRegistry()
    return Metrics(
        registry=registry,
        http_requests=Counter(
            "payserv_http_requests",
            "HTTP requests by route and status",
            ["method", "route", "status"],
            registry=registry,
        ),
        http_latency=Histogram(
            "payserv_http_request_duration_seconds",
            "HTTP request latency by route",
            ["method", "route"],
            registry=registry,
        ),
        jobs=Counter(
            "payserv_jobs",
            "Jobs run by this process, by task and outcome",
            ["task", "outcome"],
            registry=registry,
        ),
        job_duration=Histogram(
            "payserv_job_duration_seconds", "Job run time by task", ["task"], registry=registry
        ),
        webhook_deliveries=Counter(
            "payserv_webhook_deliveries",
            "Outbound webhook delivery attempts by outcome",
            ["outcome"],
            registry=registry,
        ),
        queue_depth=Gauge(
            "payserv_queue_jobs",
            "Jobs in procrastinate_jobs by status (all processes)",
            ["status"],
            registry=registry,
        ),
    )


def route_label(request: web.Request) -> str:
    """The route template that matched, or ``unmatched`` (404s must not add series)."""
    route = request.match_info.route
    resource = route.resource if route is not None else None
    return resource.canonical if resource is not None else "unmatched"
