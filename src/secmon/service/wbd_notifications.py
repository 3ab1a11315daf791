"""Detection notifications: the cloud's interval setting, and webhook delivery (extension).

Each account hears at most once per interval: a message summarising the detections
collected since the previous one. Delivery runs in its own thread, reading what ingest
wrote to the database, so a slow or failing receiver never holds ingest up. A failed
delivery is retried with backoff; the detections wait for the next message meanwhile.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx

from secmon.domain.accounts import Action, Principal, Product, Verb
from secmon.domain.errors import InvalidInput, NotFound
from secmon.domain.ids import public_id
from secmon.domain.notifications import DEFAULT_INTERVAL, INTERVALS_MS, NotificationSetting, Webhook
from secmon.logs import get_logger
from secmon.service.auth import authorize
from secmon.service.clock import Clock, now_ms
from secmon.store.base import Store
from secmon.wire.secmon_webhook import summary_payload

_WBD = Product.WEBSHELL_BEHAVIOR_DETECTOR
VIEW_NOTIFICATION = Action(_WBD, Verb.VIEW, "getNotificationInterval")
CHANGE_NOTIFICATION = Action(_WBD, Verb.CHANGE, "updateNotificationInterval")

Sender = Callable[[str, dict[str, Any]], None]
_log = get_logger("secmon.notify")
MAX_BACKOFF_MS = 10 * 60 * 1000


def post_json(url: str, payload: dict[str, Any]) -> None:
    """Deliver one message; raises on a transport error or a non-2xx answer."""
    response = httpx.post(url, json=payload, timeout=10)
    response.raise_for_status()


@dataclass(frozen=True, slots=True)
class Delivery:
    member_no: int
    detections: int
    delivered: int
    failed: int


class NotificationService:
    def __init__(self, store: Store, clock: Clock = now_ms, send: Sender = post_json) -> None:
        self._store = store
        self._clock = clock
        self._send = send
        self._retry_at: dict[int, tuple[int, int]] = {}  # member → (next attempt, failures)

    # -- the cloud's interval setting

    def setting(self, member_no: int) -> NotificationSetting:
        existing = self._store.notification_setting(member_no)
        if existing is not None:
            return existing
        now = self._clock()
        return self._store.save_notification_setting(
            member_no, INTERVALS_MS[DEFAULT_INTERVAL], now, public_id(now, member_no)
        )

    def get_interval(self, caller: Principal) -> NotificationSetting:
        authorize(caller, VIEW_NOTIFICATION)
        return self.setting(caller.member_no)

    def set_interval(self, caller: Principal, name: str) -> NotificationSetting:
        authorize(caller, CHANGE_NOTIFICATION)
        if name not in INTERVALS_MS:
            raise InvalidInput("interval", f"must be one of {', '.join(INTERVALS_MS)}, got {name!r}")
        current = self.setting(caller.member_no)
        return self._store.save_notification_setting(
            caller.member_no, INTERVALS_MS[name], self._clock(), current.setting_id
        )

    # -- webhook targets

    def add_webhook(self, caller: Principal, url: str) -> Webhook:
        authorize(caller, CHANGE_NOTIFICATION)
        parts = urlsplit(url.strip())
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise InvalidInput("url", f"must be an http(s) URL, got {url!r}")
        return self._store.add_webhook(caller.member_no, url.strip(), self._clock())

    def webhooks(self, caller: Principal) -> list[Webhook]:
        authorize(caller, VIEW_NOTIFICATION)
        return self._store.webhooks(caller.member_no)

    def delete_webhook(self, caller: Principal, webhook_id: str) -> None:
        authorize(caller, CHANGE_NOTIFICATION)
        if not self._store.delete_webhook(caller.member_no, webhook_id):
            raise NotFound("webhook", webhook_id)

    # -- delivery

    def tick(self) -> list[Delivery]:
        """Send every account's message that is due; return what was attempted."""
        return [d for m in self._store.accounts_with_webhooks() if (d := self._notify(m)) is not None]

    def _notify(self, member_no: int) -> Delivery | None:
        now = self._clock()
        retry = self._retry_at.get(member_no)
        if retry is not None and now < retry[0]:
            return None
        setting = self.setting(member_no)
        last = setting.last_sent_time
        if last is not None and now - last < setting.interval_ms:
            return None
        found = self._store.detections_collected(member_no, last, now)
        if not found:
            return None
        payload = summary_payload(member_no, last, now, found)
        delivered = failed = 0
        for hook in self._store.webhooks(member_no):
            try:
                self._send(hook.url, payload)
                delivered += 1
            except Exception as exc:  # any failure of a receiver is its own, never ours
                failed += 1
                _log.warning(
                    "webhook delivery failed",
                    member_no=member_no,
                    webhook_id=hook.webhook_id,
                    error=f"{type(exc).__name__}: {exc}",
                )
        if delivered:
            self._store.mark_notified(member_no, now)
            self._retry_at.pop(member_no, None)
        else:
            failures = (retry[1] if retry else 0) + 1
            backoff = min(MAX_BACKOFF_MS, 5_000 * 2 ** (failures - 1))
            self._retry_at[member_no] = (now + backoff, failures)
        return Delivery(member_no, len(found), delivered, failed)


class NotifierThread:
    """Runs NotificationService.tick every few seconds until stopped."""

    def __init__(self, service: NotificationService, period_s: float = 5.0) -> None:
        self._service = service
        self._period = period_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="secmon-notifier", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=15)

    def _run(self) -> None:
        while not self._stop.wait(self._period):
            started = time.monotonic()
            try:
                self._service.tick()
            except Exception as exc:  # keep notifying whatever one round hit
                _log.error("notification round failed", error=f"{type(exc).__name__}: {exc}")
            if time.monotonic() - started > self._period:
                _log.warning("notification round slower than its period", period_s=self._period)
