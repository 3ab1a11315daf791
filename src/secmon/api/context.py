"""What every route needs: the services, and the signed caller of a request."""

from __future__ import annotations

import asyncio
import contextlib
import queue
import threading
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, TypeVar

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.types import Scope

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

T = TypeVar("T")


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
    #: Shares one read transaction among a request's reads (SqlStore.reading).
    reading: Callable[[], AbstractContextManager[object]] = contextlib.nullcontext
    #: The same for the event loop's thread, giving up rather than waiting
    #: (SqliteStore.bounded_reading); None: the store has none, use a worker thread.
    bounded_reading: Callable[[], AbstractContextManager[object]] | None = None

    def caller(self, method: str, uri: str, headers: dict[str, str]) -> Principal:
        """Authenticate (and rate-limit) one request. Blocking: in a worker thread, or on
        the event loop inside a bounded reading (getIPSList on SQLite)."""
        return self.admit(self.authenticator.authenticate(method, uri, headers))

    def admit(self, principal: Principal) -> Principal:
        """Rate-limit an authenticated caller (the second half of `caller`)."""
        if self.limiter is not None and not self.limiter.allow(principal.access_key):
            raise RateLimited(principal.access_key)
        return principal


def signed_uri(request: Request) -> str:
    """The URI as the client signed it: raw path, plus ``?query`` when present."""
    return scope_uri(request.scope)


def scope_uri(scope: Scope) -> str:
    """`signed_uri` of an ASGI scope."""
    path = scope.get("raw_path") or scope["path"].encode()
    uri = path.decode("latin-1") if isinstance(path, bytes) else str(path)
    query = scope.get("query_string", b"")
    return f"{uri}?{query.decode('latin-1')}" if query else uri


def context_of(request: Request) -> AppContext:
    ctx: AppContext = request.app.state.ctx
    return ctx


class _Worker(threading.Thread):
    def __init__(self, pool: WorkerPool) -> None:
        super().__init__(name="secmon worker", daemon=True)
        self.pool = pool
        self.jobs: queue.SimpleQueue[tuple[asyncio.AbstractEventLoop, asyncio.Future[Any], Callable[[], Any]]]
        self.jobs = queue.SimpleQueue()

    def run(self) -> None:
        while True:
            loop, future, job = self.jobs.get()
            result: Any = None
            error: BaseException | None = None
            try:
                result = job()
            except BaseException as exc:  # handed to the awaiting task, as anyio does
                error = exc
            del job
            self.pool.idle(self)
            # A closed loop (RuntimeError) has nobody waiting any more.
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(_settle, future, result, error)
            del future, result, error


def _settle(future: asyncio.Future[Any], result: Any, error: BaseException | None) -> None:
    if future.cancelled():
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)


class WorkerPool:
    """Runs blocking calls off the event loop, for the hottest routes.

    The same job as Starlette's `run_in_threadpool` (anyio worker threads), with less
    per-call machinery: no capacity limiter, no cancel scope, no extra loop iteration —
    each worker waits on its own SimpleQueue and reports through `call_soon_threadsafe`.
    A cancelled caller stops waiting at once (the call still finishes in its thread);
    beyond `max_workers` busy threads, calls go to `run_in_threadpool` instead.
    """

    def __init__(self, max_workers: int = 16) -> None:
        self._max = max_workers
        self._lock = threading.Lock()
        self._idle: list[_Worker] = []
        self._started = 0

    def idle(self, worker: _Worker) -> None:
        with self._lock:
            self._idle.append(worker)

    async def run(self, job: Callable[[], T]) -> T:
        with self._lock:
            worker = self._idle.pop() if self._idle else None
            if worker is None and self._started < self._max:
                self._started += 1
                worker = _Worker(self)
                worker.start()
        if worker is None:
            return await run_in_threadpool(job)
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        worker.jobs.put((loop, future, job))
        return await future


#: Shared by every app of the process, like anyio's default thread pool.
WORKERS = WorkerPool()
