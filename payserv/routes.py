"""The URL map of payserv, in one place."""

from __future__ import annotations

from aiohttp import web

from payserv.handlers import system, users


def setup_routes(app: web.Application) -> None:
    """Register every route; HTML pages are named ``page.*`` (they render error pages)."""
    app.router.add_get("/health", system.health, name="health")
    app.router.add_get("/api/v1/test/jobs/status", system.jobs_status, name="jobs_status")
    app.router.add_get("/metrics", system.metrics_endpoint, name="metrics")
    app.router.add_post("/users/token/", users.issue_user_token, name="user_token")
    app.router.add_get("/users/me/", users.current_user, name="current_user")
    # ----- gateway -----
    # ----- bank -----
    # ----- polling -----
    # ----- shop -----
    # ----- atompay -----
