"""Notification interval (the cloud's API) and webhook delivery with its throttle."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import orjson
import pytest

from secmon.domain.accounts import Principal
from secmon.domain.process import ProcessEvent
from secmon.service.wbd_detections import DetectionService
from secmon.service.wbd_notifications import NotificationService
from secmon.store import Store
from tests.conftest import SignedApi, TenantFactory


def test_interval_get_and_set(api: SignedApi, make_tenant: TenantFactory) -> None:
    t = make_tenant("acme")
    got = api.wbd("GET", t, "/api/v1/alarm/interval")
    assert got["success"] is True
    item = got["result"]
    assert list(item) == [
        "id",
        "memberNo",
        "interval",
        "lastSendNotificationTime",
        "createTime",
        "lastUpdatedTime",
        "platform",
        "isDeleted",
    ]
    assert (item["interval"], item["memberNo"], item["isDeleted"]) == (600_000, str(t.member_no), False)
    assert len(item["id"]) == 22
    assert api.wbd("PATCH", t, "/api/v1/alarm/interval", {"interval": "three_hour"})["result"] is None
    assert api.wbd("GET", t, "/api/v1/alarm/interval")["result"]["interval"] == 10_800_000
    bad = api.wbd("PATCH", t, "/api/v1/alarm/interval", {"interval": "fortnight"})
    assert (bad["success"], bad["code"]) == (False, 400)
    assert bad["message"].startswith("interval: must be one of one_min")


def test_webhook_targets(api: SignedApi, make_tenant: TenantFactory) -> None:
    t = make_tenant("acme")
    hook = api.wbd("POST", t, "/secmon/v1/wbd/webhooks", {"url": "http://127.0.0.1:9/hook"})["result"]
    assert hook["url"] == "http://127.0.0.1:9/hook"
    assert api.wbd("GET", t, "/secmon/v1/wbd/webhooks")["result"] == [hook]
    bad = api.wbd("POST", t, "/secmon/v1/wbd/webhooks", {"url": "file:///etc/passwd"})
    assert (bad["code"], bad["message"].split(":")[0]) == (400, "url")
    assert api.wbd("DELETE", t, f"/secmon/v1/wbd/webhooks/{hook['webhookId']}")["result"] is None
    assert api.wbd("DELETE", t, f"/secmon/v1/wbd/webhooks/{hook['webhookId']}")["code"] == 404


class _Receiver:
    """A local HTTP receiver that records what it is sent (or fails on demand)."""

    def __init__(self) -> None:
        self.messages: list[dict[str, Any]] = []
        self.fail = False
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                if outer.fail:
                    self.send_response(503)
                else:
                    outer.messages.append(orjson.loads(body))
                    self.send_response(204)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[_Receiver]:
    r = _Receiver()
    try:
        yield r
    finally:
        r.close()


def test_at_most_one_message_per_interval(
    store: Store, make_tenant: TenantFactory, receiver: _Receiver
) -> None:
    t = make_tenant("acme")
    clock = {"now": 1_720_000_000_000}

    def now() -> int:
        return clock["now"]

    detections = DetectionService(store, clock=now)
    notifications = NotificationService(store, clock=now)
    caller = _principal(store, t)
    notifications.set_interval(caller, "one_min")
    notifications.add_webhook(caller, receiver.url)

    def shell(at: int, arg: str) -> ProcessEvent:
        return ProcessEvent(
            time=at, instance_no="1", process_name="sh", process_arg=arg, process_name_of_parent="php-fpm"
        )

    assert notifications.tick() == []  # nothing detected yet: nothing sent
    detections.process(t.member_no, [shell(clock["now"], "-c id")])
    [first] = notifications.tick()
    assert (first.detections, first.delivered) == (1, 1)
    assert receiver.messages[-1]["newDetections"] == 1
    assert receiver.messages[-1]["detections"][0]["command"] == "sh -c id"

    clock["now"] += 10_000
    detections.process(t.member_no, [shell(clock["now"], "-c whoami"), shell(clock["now"], "-c uname")])
    assert notifications.tick() == []  # within the interval: held back
    clock["now"] += 51_000
    [second] = notifications.tick()
    assert second.detections == 2
    assert len(receiver.messages) == 2
    assert receiver.messages[-1]["byRule"] == {"WBD-SH-001": 2}

    # a failing receiver: nothing is marked sent, and the retry waits for its backoff
    clock["now"] += 60_000
    detections.process(t.member_no, [shell(clock["now"], "-c ls")])
    receiver.fail = True
    [failed] = notifications.tick()
    assert (failed.delivered, failed.failed) == (0, 1)
    receiver.fail = False
    assert notifications.tick() == []  # backing off
    clock["now"] += 5_000
    [retried] = notifications.tick()
    assert (retried.detections, retried.delivered) == (1, 1)
    assert len(receiver.messages) == 3


def _principal(store: Store, tenant: Any) -> Principal:
    account = store.account_by_name(tenant.name)
    assert account is not None
    return Principal(account=account, access_key=tenant.access_key)
