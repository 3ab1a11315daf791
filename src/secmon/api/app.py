"""The app factory: everything the server needs is passed in; nothing happens at import."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, nullcontext
from typing import Any

from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

import secmon
from secmon.api import sm_routes, wbd_detection_routes, wbd_routes
from secmon.api.context import AppContext, RateLimited, context_of
from secmon.api.gateway import (
    EXCEPTION_HANDLERS,
    GatewayMiddleware,
    JsonResponse,
    gateway_response,
)
from secmon.api.ratelimit import RateLimiter
from secmon.api.settings import Settings
from secmon.service.auth import Authenticator
from secmon.service.ips import IpsService
from secmon.service.secrets import SecretBox
from secmon.service.wbd_detections import DetectionService
from secmon.service.wbd_notifications import NotificationService, NotifierThread
from secmon.service.wbd_rules import ExceptionRuleService
from secmon.service.wbd_targets import DetectionTargetService
from secmon.store.base import Store
from secmon.wire import ncp_gateway


async def _on_rate_limited(request: Request, exc: Exception) -> JsonResponse:
    return gateway_response(ncp_gateway.rate_limited())


def create_app(settings: Settings, store: Store, box: SecretBox) -> FastAPI:
    """Build the ASGI app over an open, migrated store."""
    rules = ExceptionRuleService(store)
    notifications = NotificationService(store)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        notifier = (
            NotifierThread(notifications, settings.notify_period_s) if settings.notify_period_s else None
        )
        if notifier is not None:
            notifier.start()
        try:
            yield
        finally:
            if notifier is not None:
                notifier.stop()

    app = FastAPI(
        lifespan=lifespan,
        title="secmon",
        version=secmon.__version__,
        description="Self-hosted security monitoring, wire-compatible with NAVER Cloud "
        "Security Monitoring (getIPSList) and Webshell Behavior Detector APIs. Every "
        "compatible operation is signed with API Gateway signature v2.",
        exception_handlers={**EXCEPTION_HANDLERS, RateLimited: _on_rate_limited},
        docs_url="/secmon/v1/docs",
        redoc_url=None,
        # The gateway knows paths exactly: `/getIPSList/` is an unknown path (404, errorCode
        # 300), not a redirect the client would have to sign again.
        redirect_slashes=False,
    )
    limiter = RateLimiter(settings.rate_limit, settings.rate_burst) if settings.rate_limit else None
    app.state.ctx = AppContext(
        store=store,
        authenticator=Authenticator(store, box),
        ips=IpsService(store),
        rules=rules,
        targets=DetectionTargetService(store),
        detections=DetectionService(store, rules),
        notifications=notifications,
        limiter=limiter,
        # Not part of the Store protocol: stores without them read as before.
        reading=getattr(store, "reading", nullcontext),
        bounded_reading=getattr(store, "bounded_reading", None),
    )
    app.add_middleware(GatewayMiddleware, max_body_bytes=settings.max_body_bytes)
    app.include_router(sm_routes.router())
    app.include_router(wbd_routes.router(wbd_detection_routes.ROUTES))

    @app.get("/secmon/v1/health", tags=["secmon"], summary="Liveness and database check")
    async def health(request: Request) -> dict[str, Any]:
        store = context_of(request).store
        await run_in_threadpool(store.ping)
        return {"status": "ok", "version": secmon.__version__}

    return app
