"""Signature v2 computed independently of secmon (stdlib only), for tests."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time


def now_ms() -> int:
    return int(time.time() * 1000)


def signature(secret: str, method: str, uri: str, timestamp: str, access_key: str) -> str:
    message = f"{method} {uri}\n{timestamp}\n{access_key}".encode()
    return base64.b64encode(hmac.new(secret.encode(), message, hashlib.sha256).digest()).decode()


def headers(
    access_key: str, secret: str, method: str, uri: str, timestamp: int | None = None
) -> dict[str, str]:
    ts = str(now_ms() if timestamp is None else timestamp)
    return {
        "x-ncp-apigw-timestamp": ts,
        "x-ncp-iam-access-key": access_key,
        "x-ncp-apigw-signature-v2": signature(secret, method, uri, ts, access_key),
    }
