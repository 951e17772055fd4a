"""The gateway's outbound webhook delivery job (one attempt per job)."""

from __future__ import annotations

from payserv.gateway_webhook_delivery import deliver_webhook
from payserv.gateway_webhooks import DELIVER_JOB
from payserv.queue import JobSpec, retry_through_outages

JOBS = [JobSpec(name=DELIVER_JOB, function=deliver_webhook, retry=retry_through_outages)]
