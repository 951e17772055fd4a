"""The shop's HTTP handlers: catalog JSON API, item/order pages, Stripe calls, ``/admin/``."""
