# One image that runs `python run.py`: embedded Postgres under /data by default,
# or an external server with -e DATABASE_URL=... (then SECRET_KEY is required too).
FROM python:3.11-slim

ENV PYTHONUNBUFFERED=1 \
    PAYSERV_DATA_DIR=/data \
    LOG_FORMAT=json

# Postgres will not run as root, and neither should a payment service.
RUN useradd --create-home --uid 10001 payserv && mkdir /data && chown payserv /data
WORKDIR /app
COPY pyproject.toml setup.cfg README.md schema.sql run.py ./
COPY payserv ./payserv
COPY templates ./templates
RUN pip install --no-cache-dir -e .

USER payserv
VOLUME /data
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s CMD python -c "import urllib.request,sys; urllib.request.urlopen('http://127.0.0.1:8000/health', timeout=4)" || exit 1
CMD ["python", "run.py"]
