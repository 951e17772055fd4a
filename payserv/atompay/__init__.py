"""atompay: event registrations paid through AtomPay (NTT DATA), DESIGN §8.

AES-encrypted AUTH and status calls, HMAC-SHA512-signed callbacks, settled exactly once,
and a periodic reconciliation for payments whose callback never came.
"""
