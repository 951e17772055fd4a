"""The queue task names of the atompay part (registered in ``payserv.jobs.atompay``)."""

from __future__ import annotations

# Periodic only: nothing defers it, so the part has no deferrer.
RECONCILE_PAYMENTS = "atompay.reconcile_payments"
