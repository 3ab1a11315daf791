"""NAVER Cloud API Gateway signature v2 — shared by the server (verify) and the client (sign).

String to sign: ``{METHOD} {uri}\\n{timestamp}\\n{accessKey}`` where `uri` is the path
plus ``?query`` when there is one; Base64 of HMAC-SHA256 keyed with the secret key.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

TIMESTAMP_HEADER = "x-ncp-apigw-timestamp"
ACCESS_KEY_HEADER = "x-ncp-iam-access-key"
SIGNATURE_HEADER = "x-ncp-apigw-signature-v2"


def string_to_sign(method: str, uri: str, timestamp: str, access_key: str) -> str:
    return f"{method.upper()} {uri}\n{timestamp}\n{access_key}"


def sign(secret_key: str, method: str, uri: str, timestamp: str, access_key: str) -> str:
    message = string_to_sign(method, uri, timestamp, access_key).encode("utf-8")
    digest = hmac.new(secret_key.encode("utf-8"), message, hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def signature_matches(
    secret_key: str, method: str, uri: str, timestamp: str, access_key: str, signature: str
) -> bool:
    """Constant-time comparison of the expected and the presented signature."""
    expected = sign(secret_key, method, uri, timestamp, access_key)
    return hmac.compare_digest(expected.encode("ascii"), signature.encode("utf-8", "replace"))


def signed_headers(
    secret_key: str, access_key: str, method: str, uri: str, timestamp_ms: int
) -> dict[str, str]:
    """The three headers a request needs."""
    ts = str(timestamp_ms)
    return {
        TIMESTAMP_HEADER: ts,
        ACCESS_KEY_HEADER: access_key,
        SIGNATURE_HEADER: sign(secret_key, method, uri, ts, access_key),
    }
