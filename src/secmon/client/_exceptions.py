"""Everything the client raises. Each error carries the product's own code and message.

    SecmonClientError                 code, message; str() is "<code>: <message>"
     ├── ConfigurationError           a bad argument: endpoint, platform, an empty ID (a ValueError)
     │    └── CredentialsError        no usable access key / secret key
     ├── ApiError                     the server answered, and said no; status_code, request_id
     │    ├── GatewayError            the API Gateway's body: error_code, message, details
     │    │    ├── AuthenticationFailed   401, errorCode 200 (missing/unknown key, bad signature)
     │    │    ├── PermissionDenied       401, errorCode 210 (a sub-account's policy says no)
     │    │    └── RateLimited            429, errorCode 420
     │    │    (404/300 unknown path, 413/430 body too large, 500/900 unexpected: GatewayError)
     │    ├── SmError                 Security Monitoring: return_code, return_message, details
     │    ├── WbdError                Webshell Behavior Detector `success: false`: code, message
     │    └── ResponseError           a body that is none of the above (e.g. a proxy's HTML page)
     └── TransportError               no answer: connection refused, reset, DNS, TLS
          └── Timeout                 no answer in time

Reads (GET, and the POST searches) are retried on 429 and 5xx before any of these is
raised; changes are never retried, as the server may have applied them.
"""

from __future__ import annotations

__all__ = [
    "ApiError",
    "AuthenticationFailed",
    "ConfigurationError",
    "CredentialsError",
    "GatewayError",
    "PermissionDenied",
    "RateLimited",
    "ResponseError",
    "SecmonClientError",
    "SmError",
    "Timeout",
    "TransportError",
    "WbdError",
]


class SecmonClientError(Exception):
    """Base of every client error: a `code` and a `message` a person can act on."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(code, message)
        self.code = code
        self.message = message

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


class ConfigurationError(SecmonClientError, ValueError):
    """The client cannot do what was asked: an endpoint that is not an http(s) URL, an
    unknown platform, an empty ID. Raised before anything is sent."""

    def __init__(self, message: str, code: str = "configuration") -> None:
        super().__init__(code, message)


class CredentialsError(ConfigurationError):
    """No access key and secret key were found (arguments, environment, ~/.ncloud/configure)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, code="credentials")


class ApiError(SecmonClientError):
    """The server answered with an error. `request_id` is secmon's x-request-id, when sent."""

    def __init__(self, code: str, message: str, status_code: int, request_id: str | None = None) -> None:
        super().__init__(code, message)
        self.status_code = status_code
        self.request_id = request_id


class GatewayError(ApiError):
    """The API Gateway's own error body: ``{"error": {"errorCode", "message", "details"}}``."""

    def __init__(
        self,
        error_code: str,
        message: str,
        details: str | None,
        status_code: int,
        request_id: str | None = None,
    ) -> None:
        text = f"{message}: {details}" if details else message
        super().__init__(error_code, text, status_code, request_id)
        self.error_code = error_code
        self.gateway_message = message
        self.details = details


class AuthenticationFailed(GatewayError):
    """errorCode 200: headers missing, unknown or revoked key, bad signature, stale timestamp."""


class PermissionDenied(GatewayError):
    """errorCode 210: the key's sub-account may not call this operation."""


class RateLimited(GatewayError):
    """errorCode 420: too many requests for this key (reads were retried first)."""


#: errorCode → the class raised for it; other codes raise GatewayError itself.
GATEWAY_ERRORS: dict[str, type[GatewayError]] = {
    "200": AuthenticationFailed,
    "210": PermissionDenied,
    "420": RateLimited,
}


class SmError(ApiError):
    """Security Monitoring's error body: ``{"returnCode", "returnMessage", "details"}``."""

    def __init__(
        self,
        return_code: int,
        return_message: str,
        details: str | None,
        status_code: int,
        request_id: str | None = None,
    ) -> None:
        text = f"{return_message}: {details}" if details else return_message
        super().__init__(str(return_code), text, status_code, request_id)
        self.return_code = return_code
        self.return_message = return_message
        self.details = details


class WbdError(ApiError):
    """A WBD envelope with ``success: false`` (HTTP 200): e.g. code 400 bad input, 404 no such ID."""

    def __init__(self, code: int, message: str, status_code: int, request_id: str | None = None) -> None:
        super().__init__(str(code), message, status_code, request_id)
        self.wbd_code = code


class ResponseError(ApiError):
    """An answer in no known shape: not JSON, or JSON that is not the product's envelope."""

    def __init__(self, status_code: int, message: str, request_id: str | None = None) -> None:
        super().__init__(str(status_code), message, status_code, request_id)


class TransportError(SecmonClientError):
    """The request got no answer: connection refused or reset, name resolution, TLS."""

    def __init__(self, message: str, code: str = "transport") -> None:
        super().__init__(code, message)


class Timeout(TransportError):
    """Connecting, sending or reading took longer than the client's timeout."""

    def __init__(self, message: str) -> None:
        super().__init__(message, code="timeout")
