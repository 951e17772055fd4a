"""The gateway's outbound webhook delivery job (one attempt per job)."""

from __future__ import annotations

import procrastinate
from procrastinate.retry import RetryValue

from payserv.gateway_webhook_delivery import deliver_webhook
from payserv.gateway_webhooks import DELIVER_JOB
from payserv.queue import JobSpec
from payserv.settings import Settings


def _retry(settings: Settings) -> RetryValue:
    # HTTP failures never raise (they are scheduled attempts); this only covers crashes
    # such as a database outage while recording, and the job is idempotent.
    return procrastinate.RetryStrategy(max_attempts=10, exponential_wait=2)


JOBS = [JobSpec(name=DELIVER_JOB, function=deliver_webhook, retry=_retry)]
