# payserv's image: the wheel, installed (not the source tree), run as `payserv`. Embedded
# Postgres under /data by default, or an external server with -e DATABASE_URL=... (then
# SECRET_KEY is required too); docker-compose.yml runs web and workers on Postgres 18.
# Untested here (no Docker engine on the build machine): tests/unit/test_container_files.py
# checks the points below as text, and tests/integration/test_wheel.py builds the wheel from
# exactly the files the build stage copies and runs it from a venv.

# ----- build: the wheel, with schema.sql and templates/ inside the package (setup.py) -----
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml setup.cfg setup.py MANIFEST.in README.md schema.sql ./
COPY payserv ./payserv
COPY templates ./templates
RUN pip wheel --no-cache-dir --no-deps --wheel-dir /wheels .

# ----- run -----
FROM python:3.11-slim

# tini as PID 1: it forwards SIGTERM to payserv and reaps the embedded Postgres's children.
RUN apt-get update \
    && apt-get install -y --no-install-recommends tini \
    && rm -rf /var/lib/apt/lists/*

ENV PYTHONUNBUFFERED=1 \
    PAYSERV_DATA_DIR=/data \
    LOG_FORMAT=json \
    PORT=8000

COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/*.whl && rm -rf /wheels

# Postgres will not run as root, and neither should a payment service.
RUN useradd --create-home --uid 10001 payserv && mkdir /data && chown payserv /data
USER payserv
WORKDIR /data
VOLUME /data
EXPOSE 8000
# Asks the port payserv listens on ($PORT); the start period covers the first run's initdb.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s \
    CMD python -c "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/health' % os.environ['PORT'], timeout=4)" || exit 1
# payserv drains requests and jobs for SHUTDOWN_TIMEOUT (30 s) after SIGTERM, but Docker kills
# after 10 s by default and a Dockerfile cannot change that: run with `--stop-timeout 40`
# (compose: `stop_grace_period: 40s`), above SHUTDOWN_TIMEOUT.
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["payserv", "serve"]
