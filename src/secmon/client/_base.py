"""What the sync and the async clients share (as httpx's BaseClient does for its two):
configuration, building and signing a request, reading an answer into a result or an
exception, and the retry policy. None of it does I/O; `_sync` and `_async` only send.
"""

from __future__ import annotations

import json
import os
import random
import time
from typing import Any, ClassVar, TypedDict, TypeVar
from urllib.parse import quote, urlencode

import httpx
from pydantic import ValidationError

from secmon.client._credentials import Credentials
from secmon.client._exceptions import (
    GATEWAY_ERRORS,
    ConfigurationError,
    GatewayError,
    ResponseError,
    SmError,
    Timeout,
    TransportError,
    WbdError,
)
from secmon.client._operations import Call
from secmon.client._params import Platform
from secmon.wire.ncp_signature import signed_headers

T = TypeVar("T")

SM_ENDPOINT = "https://securitymonitoring.apigw.ntruss.com"
WBD_ENDPOINT = "https://wbd.apigw.ntruss.com"
#: Points both products at one secmon server, e.g. http://127.0.0.1:8080.
ENDPOINT_ENV = "SECMON_ENDPOINT"
PLATFORM_HEADER = "X-NCP-USE_PLATFORM_TYPE"
REQUEST_ID_HEADER = "x-request-id"

DEFAULT_TIMEOUT = 30.0
DEFAULT_RETRIES = 3
DEFAULT_BACKOFF = 0.5
MAX_BACKOFF = 20.0


def _user_agent() -> str:
    try:
        from importlib.metadata import version

        return f"secmon-client/{version('secmon')}"
    except Exception:  # not installed as a distribution (e.g. vendored)
        return "secmon-client"


USER_AGENT = _user_agent()


def _now_ms() -> int:
    """The signature's timestamp (a function, so tests can pin it)."""
    return int(time.time() * 1000)


class ClientOptions(TypedDict, total=False):
    """Keyword options every client takes (see BaseClient)."""

    credentials: Credentials
    access_key: str
    secret_key: str
    profile: str
    platform: Platform | str
    timeout: float | httpx.Timeout
    max_retries: int
    backoff: float


def resolve_endpoint(endpoint: str | None, default: str) -> str:
    """The argument, else SECMON_ENDPOINT, else the product's cloud endpoint."""
    chosen = (endpoint or os.environ.get(ENDPOINT_ENV, "").strip() or default).rstrip("/")
    try:
        url = httpx.URL(chosen)
    except httpx.InvalidURL as exc:
        raise ConfigurationError(f"endpoint is not a URL: {exc}") from None
    if url.scheme not in ("http", "https") or not url.host:
        raise ConfigurationError(f"endpoint must be an http(s) URL, got {chosen!r}")
    if url.query or url.fragment:
        raise ConfigurationError(f"endpoint must not carry a query or fragment, got {chosen!r}")
    return chosen


def _platform_of(value: Platform | str) -> Platform:
    try:
        return Platform(str(value).upper())
    except ValueError:
        raise ConfigurationError(f"platform must be VPC or CLASSIC, got {value!r}") from None


class BaseClient:
    """Configuration and the request/response logic of every client.

    endpoint: base URL; default SECMON_ENDPOINT, else the product's cloud endpoint.
    credentials / access_key + secret_key / profile: see `Credentials.resolve`.
    platform: VPC (default) or CLASSIC — SM's path, WBD's X-NCP-USE_PLATFORM_TYPE.
    timeout: seconds (or an httpx.Timeout) for connecting, sending and reading.
    max_retries, backoff: reads answered with 429 or 5xx are retried up to max_retries
    times, after Retry-After or backoff * 2**attempt seconds (jittered, at most 20 s).
    """

    default_endpoint: ClassVar[str]

    def __init__(
        self,
        endpoint: str | None = None,
        *,
        credentials: Credentials | None = None,
        access_key: str | None = None,
        secret_key: str | None = None,
        profile: str | None = None,
        platform: Platform | str = Platform.VPC,
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
        max_retries: int = DEFAULT_RETRIES,
        backoff: float = DEFAULT_BACKOFF,
    ) -> None:
        self.endpoint = resolve_endpoint(endpoint, self.default_endpoint)
        self.credentials = credentials or Credentials.resolve(access_key, secret_key, profile)
        self.platform = _platform_of(platform)
        self.timeout = timeout if isinstance(timeout, httpx.Timeout) else httpx.Timeout(timeout)
        if max_retries < 0 or backoff < 0:
            raise ConfigurationError("max_retries and backoff must not be negative")
        self.max_retries = max_retries
        self.backoff = backoff
        base = httpx.URL(self.endpoint)
        self._origin = base.copy_with(raw_path=b"/")
        self._base_path = base.raw_path.decode("ascii").rstrip("/")

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.endpoint!r}, access_key={self.credentials.access_key!r})"

    def _platform(self, platform: Platform | str | None) -> Platform:
        return self.platform if platform is None else _platform_of(platform)

    # -- building

    def uri(self, call: Call[Any]) -> str:
        """Path and query exactly as sent, and so as signed."""
        uri = self._base_path + call.path
        if call.query:
            uri += "?" + urlencode(call.query, quote_via=quote)
        return uri

    def _build_request(self, call: Call[Any]) -> httpx.Request:
        uri = self.uri(call)
        now_ms = _now_ms()
        creds = self.credentials
        headers = {
            "Accept": "application/json",
            "User-Agent": USER_AGENT,
            **signed_headers(creds.secret_key, creds.access_key, call.method, uri, now_ms),
        }
        if call.product == "wbd":
            headers[PLATFORM_HEADER] = self.platform.value
        content = None
        if call.body is not None:
            headers["Content-Type"] = "application/json"
            content = json.dumps(call.body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        # raw_path keeps httpx from re-encoding what was signed.
        url = self._origin.copy_with(raw_path=uri.encode("ascii"))
        return httpx.Request(
            call.method,
            url,
            headers=headers,
            content=content,
            extensions={"timeout": self.timeout.as_dict()},
        )

    # -- reading

    def _parse_response(self, call: Call[T], response: httpx.Response) -> T:
        status = response.status_code
        request_id = response.headers.get(REQUEST_ID_HEADER)
        try:
            data = response.json()
        except ValueError:
            snippet = response.text[:200].strip() or "(empty body)"
            raise ResponseError(status, f"not a JSON answer: {snippet}", request_id) from None
        error = data.get("error") if isinstance(data, dict) else None
        if isinstance(error, dict) and "errorCode" in error:
            code = str(error["errorCode"])
            cls = GATEWAY_ERRORS.get(code, GatewayError)
            message, details = str(error.get("message") or ""), error.get("details")
            raise cls(code, message, None if details is None else str(details), status, request_id)
        if not isinstance(data, dict):
            raise ResponseError(status, f"expected a JSON object, got {type(data).__name__}", request_id)
        payload = self._sm_payload(data, status, request_id) if call.product == "sm" else None
        if call.product == "wbd":
            payload = self._wbd_payload(data, status, request_id)
        try:
            return call.parse(payload)
        except ValidationError as exc:
            first = exc.errors(include_url=False)[0]
            where = ".".join(str(p) for p in first["loc"]) or "result"
            raise ResponseError(status, f"unexpected answer: {where}: {first['msg']}", request_id) from None

    @staticmethod
    def _sm_payload(data: dict[str, Any], status: int, request_id: str | None) -> Any:
        code = data.get("returnCode")
        if code is not None and str(code) != "0":
            details = data.get("details")
            number = int(code) if str(code).lstrip("-").isdigit() else -1
            message = str(data.get("returnMessage") or "")
            raise SmError(number, message, None if details is None else str(details), status, request_id)
        if code is None or status >= 300:
            raise ResponseError(status, "not a Security Monitoring answer (no returnCode)", request_id)
        return data

    @staticmethod
    def _wbd_payload(data: dict[str, Any], status: int, request_id: str | None) -> Any:
        envelope: Any = data
        # UpdateDetectionTargetMemo nests a whole envelope in `result`: unwrap every level.
        while True:
            success = envelope.get("success")
            if success is False:
                code = envelope.get("code")
                number = int(code) if str(code).lstrip("-").isdigit() else -1
                raise WbdError(number, str(envelope.get("message") or ""), status, request_id)
            if success is not True or status >= 300:
                raise ResponseError(status, "not a WBD envelope (no success flag)", request_id)
            result = envelope.get("result")
            if isinstance(result, dict) and {"success", "code", "result"} <= result.keys():
                envelope = result
                continue
            return result

    # -- retrying

    def _retry_delay(self, call: Call[Any], attempt: int, response: httpx.Response) -> float | None:
        """Seconds to wait before trying `call` again, or None to stop and read `response`.

        Only reads are retried (a change may have been applied before the error), only on
        429 and 5xx, at most max_retries times.
        """
        if not call.read or attempt >= self.max_retries:
            return None
        if response.status_code != 429 and response.status_code < 500:
            return None
        after = response.headers.get("retry-after", "").strip()
        if after.isdigit():
            return min(float(after), MAX_BACKOFF)
        ceiling = min(self.backoff * 2.0**attempt, MAX_BACKOFF)
        # "Equal jitter": half fixed, half random, so many clients do not retry in step.
        return ceiling / 2 + random.uniform(0, ceiling / 2)

    def _transport_error(self, exc: httpx.TransportError, request: httpx.Request) -> TransportError:
        where = f"{request.method} {request.url}"
        if isinstance(exc, httpx.TimeoutException):
            return Timeout(f"no answer in time ({type(exc).__name__}) for {where}")
        reason = str(exc) or type(exc).__name__
        return TransportError(f"{reason} ({where})")
