"""What the cloud's API Gateway does in front of every product: request ids, access
logs, body size limits, and its own error bodies for auth, routing and crashes."""

from __future__ import annotations

import contextlib
import time
import uuid
from collections.abc import Callable, Coroutine
from typing import Any

import orjson
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from secmon.domain.errors import AuthenticationFailed, PermissionDenied
from secmon.logs import get_logger
from secmon.wire import ncp_gateway
from secmon.wire.ncp_gateway import RESPONSE_ORIGIN_HEADER, GatewayError
from secmon.wire.ncp_signature import ACCESS_KEY_HEADER

REQUEST_ID_HEADER = "x-request-id"
_log = get_logger("secmon.access")
_errors = get_logger("secmon.error")


class JsonResponse(Response):
    media_type = "application/json;charset=UTF-8"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


def gateway_response(error: GatewayError) -> JsonResponse:
    return JsonResponse(error.body(), status_code=error.status, headers={RESPONSE_ORIGIN_HEADER: "APIGW"})


class _BodyTooLarge(Exception):
    pass


class GatewayMiddleware:
    """Request id, access log line, and the request body limit (413 / errorCode 430)."""

    def __init__(self, app: ASGIApp, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        started = time.perf_counter()
        status = 0
        received = 0
        headers = dict(scope["headers"])
        limit = self.max_body_bytes

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [
                    *message.get("headers", []),
                    (REQUEST_ID_HEADER.encode(), request_id.encode()),
                ]
            await send(message)

        async def receive_wrapper() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise _BodyTooLarge
            return message

        try:
            declared = headers.get(b"content-length")
            if declared is not None and declared.isdigit() and int(declared) > limit:
                raise _BodyTooLarge
            await self.app(scope, receive_wrapper, send_wrapper)
        except _BodyTooLarge:
            if status == 0:
                await gateway_response(ncp_gateway.too_large(limit))(scope, receive, send_wrapper)
        except Exception as exc:
            # A bug: log it with the request id; the caller gets the gateway's 900 body.
            _errors.error("unexpected error", request_id=request_id, path=scope["path"], exc_info=exc)
            if status == 0:
                await gateway_response(ncp_gateway.unexpected(request_id))(scope, receive, send_wrapper)
        finally:
            self._log_request(scope, request_id, status, started, headers)

    @staticmethod
    def _log_request(
        scope: Scope, request_id: str, status: int, started: float, headers: dict[bytes, bytes]
    ) -> None:
        # A broken log stream (say `secmon serve | head`) must not break requests.
        with contextlib.suppress(Exception):
            _log.info(
                "request",
                request_id=request_id,
                method=scope["method"],
                path=scope["path"],
                status=status,
                duration_ms=round((time.perf_counter() - started) * 1000, 2),
                access_key=headers.get(ACCESS_KEY_HEADER.encode(), b"").decode("latin-1") or None,
                client=scope["client"][0] if scope.get("client") else None,
            )


async def on_authentication_failed(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, AuthenticationFailed)
    return gateway_response(ncp_gateway.authentication_failed(exc.detail))


async def on_permission_denied(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, PermissionDenied)
    return gateway_response(ncp_gateway.permission_denied(exc.action))


async def on_http_exception(request: Request, exc: Exception) -> Response:
    # Unknown path or method: the gateway answers before any product sees it.
    return gateway_response(ncp_gateway.not_found())


ExceptionHandler = Callable[[Request, Exception], Coroutine[Any, Any, Response]]

EXCEPTION_HANDLERS: dict[int | type[Exception], ExceptionHandler] = {
    AuthenticationFailed: on_authentication_failed,
    PermissionDenied: on_permission_denied,
    StarletteHTTPException: on_http_exception,
}
