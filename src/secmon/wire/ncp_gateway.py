"""The API Gateway's own error bodies (authentication, routing, limits)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

RESPONSE_ORIGIN_HEADER = "x-ncp-apigw-response-origin"


@dataclass(frozen=True, slots=True)
class GatewayError:
    status: int
    error_code: str
    message: str
    details: str

    def body(self) -> dict[str, Any]:
        return {
            "error": {
                "errorCode": self.error_code,
                "message": self.message,
                "details": self.details,
            }
        }


def authentication_failed(details: str) -> GatewayError:
    return GatewayError(401, "200", "Authentication Failed", details)


def permission_denied(action: str) -> GatewayError:
    return GatewayError(401, "210", "Permission Denied", f"Not allowed: {action}")


def not_found() -> GatewayError:
    return GatewayError(404, "300", "Not Found Exception", "URL not found.")


def too_large(limit: int) -> GatewayError:
    return GatewayError(413, "430", "Request Entity Too Large", f"Request body exceeds {limit} bytes.")


def rate_limited() -> GatewayError:
    return GatewayError(429, "420", "Rate Limited", "Too many requests for this access key.")


def unexpected(request_id: str) -> GatewayError:
    return GatewayError(500, "900", "Unexpected Error", f"Request id {request_id}.")
