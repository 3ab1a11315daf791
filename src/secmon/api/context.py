"""What every route needs: the services, and the signed caller of a request."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import Request

from secmon.api.ratelimit import RateLimiter
from secmon.domain.accounts import Principal
from secmon.domain.errors import SecmonError
from secmon.service.auth import Authenticator
from secmon.service.ips import IpsService
from secmon.service.wbd_detections import DetectionService
from secmon.service.wbd_notifications import NotificationService
from secmon.service.wbd_rules import ExceptionRuleService
from secmon.service.wbd_targets import DetectionTargetService
from secmon.store.base import Store


class RateLimited(SecmonError):
    pass


@dataclass(frozen=True, slots=True)
class AppContext:
    store: Store
    authenticator: Authenticator
    ips: IpsService
    rules: ExceptionRuleService
    targets: DetectionTargetService
    detections: DetectionService
    notifications: NotificationService
    limiter: RateLimiter | None = None

    def caller(self, method: str, uri: str, headers: dict[str, str]) -> Principal:
        """Authenticate (and rate-limit) one request; runs in a worker thread."""
        principal = self.authenticator.authenticate(method, uri, headers)
        if self.limiter is not None and not self.limiter.allow(principal.access_key):
            raise RateLimited(principal.access_key)
        return principal


def signed_uri(request: Request) -> str:
    """The URI as the client signed it: raw path, plus ``?query`` when present."""
    path = request.scope.get("raw_path") or request.scope["path"].encode()
    uri = path.decode("latin-1") if isinstance(path, bytes) else str(path)
    query = request.scope.get("query_string", b"")
    return f"{uri}?{query.decode('latin-1')}" if query else uri


def context_of(request: Request) -> AppContext:
    ctx: AppContext = request.app.state.ctx
    return ctx
