"""Signature v2: secmon's implementation against one computed here with the stdlib."""

from __future__ import annotations

import base64
import hashlib
import hmac

from hypothesis import given
from hypothesis import strategies as st

from secmon.wire.ncp_signature import sign, signature_matches, signed_headers, string_to_sign


def _reference(secret: str, message: str) -> str:
    return base64.b64encode(hmac.new(secret.encode(), message.encode(), hashlib.sha256).digest()).decode()


def test_string_to_sign_layout() -> None:
    assert string_to_sign("post", "/a?b=c", "123", "AK") == "POST /a?b=c\n123\nAK"


def test_known_vector_with_query_string() -> None:
    uri = "/api/v1/exception-rules?pageIndex=0&pageSize=20"
    expected = _reference("secret", f"GET {uri}\n1720000000000\nACCESS")
    assert sign("secret", "GET", uri, "1720000000000", "ACCESS") == expected
    headers = signed_headers("secret", "ACCESS", "GET", uri, 1720000000000)
    assert headers == {
        "x-ncp-apigw-timestamp": "1720000000000",
        "x-ncp-iam-access-key": "ACCESS",
        "x-ncp-apigw-signature-v2": expected,
    }


@given(
    secret=st.text(min_size=1, max_size=50),
    method=st.sampled_from(["GET", "POST", "PATCH", "DELETE"]),
    uri=st.text(alphabet=st.characters(min_codepoint=33, max_codepoint=126), min_size=1, max_size=60),
    ts=st.integers(0, 2**45).map(str),
)
def test_matches_only_the_exact_signature(secret: str, method: str, uri: str, ts: str) -> None:
    good = _reference(secret, f"{method} {uri}\n{ts}\nAK")
    assert signature_matches(secret, method, uri, ts, "AK", good)
    assert not signature_matches(secret, method, uri + "x", ts, "AK", good)
    assert not signature_matches(secret + "x", method, uri, ts, "AK", good)
    assert not signature_matches(secret, method, uri, ts, "AK", good[:-2] + "é")
