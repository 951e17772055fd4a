"""``run.py listen``'s checks of a received webhook, scheme by scheme."""

from __future__ import annotations

from payserv.gateway.listen import describe, verify_webhook
from payserv.gateway.signing import signature_headers

SECRET = "whsec_test_abc123"
BODY = b'{"event":"refund.processed"}'
NOW = 1_700_000_000


def test_both_schemes_verified() -> None:
    headers = signature_headers(SECRET, "msg_1", NOW, BODY)
    result = verify_webhook(SECRET, BODY, headers, now=NOW)
    assert (result.hex, result.standard, result.verified) == (True, True, True)
    line = describe(BODY, headers, result)
    assert line.startswith("refund.processed  id=msg_1")


def test_one_of_several_standard_signatures_is_enough() -> None:
    headers = signature_headers(SECRET, "msg_1", NOW, BODY)
    headers["webhook-signature"] = "v1,b2xkLWtleQ== " + headers["webhook-signature"]
    assert verify_webhook(SECRET, BODY, headers, now=NOW).standard is True


def test_no_signature_at_all_is_not_verified() -> None:
    result = verify_webhook(SECRET, BODY, {}, now=NOW)
    assert (result.hex, result.standard, result.verified) == (None, None, False)


def test_one_bad_scheme_spoils_the_other() -> None:
    headers = signature_headers(SECRET, "msg_1", NOW, BODY)
    headers["webhook-timestamp"] = "soon"
    result = verify_webhook(SECRET, BODY, headers, now=NOW)
    assert (result.hex, result.standard, result.verified) == (True, False, False)


def test_a_body_that_is_no_json_is_still_one_line() -> None:
    result = verify_webhook(SECRET, b"\xff", {}, now=NOW)
    assert describe(b"\xff", {}, result).startswith("(not JSON)  id=-")
