"""WebshellBehaviorDetector notifications: the interval (GetNotificationInterval,
UpdateNotificationInterval) and secmon's webhook targets, against the real server (sync
and async), and what each operation puts on the wire."""

from __future__ import annotations

from typing import Any

import httpx
import orjson
import pytest

from secmon.client import (
    GatewayError,
    NotificationInterval,
    NotificationSetting,
    PermissionDenied,
    WbdError,
    Webhook,
    WebshellBehaviorDetector,
)
from secmon.domain.notifications import INTERVALS_MS
from tests.conftest import SignedApi, Tenant, TenantFactory

INTERVAL = "/api/v1/alarm/interval"
WEBHOOKS = "/secmon/v1/wbd/webhooks"


def test_the_interval_names_are_the_servers() -> None:
    assert [i.value for i in NotificationInterval] == list(INTERVALS_MS)
    for interval in NotificationInterval:
        assert interval.ms == INTERVALS_MS[interval.value]
        assert NotificationInterval.from_ms(interval.ms) is interval
    assert NotificationInterval.from_ms(90_000) is None
    assert NotificationInterval("three_hour") is NotificationInterval.THREE_HOUR
    assert str(NotificationInterval.TWENTY_FOUR_HOUR) == "twenty_four_hour"


def test_interval_get_and_set(wbd: Any, api: SignedApi, tenant: Tenant) -> None:
    setting: NotificationSetting = wbd.get_notification_interval()
    assert isinstance(setting, NotificationSetting)
    assert (setting.interval_ms, setting.interval) == (600_000, NotificationInterval.TEN_MIN)
    assert (setting.member_no, setting.platform, setting.is_deleted) == (str(tenant.member_no), "VPC", False)
    assert len(setting.setting_id) == 22
    assert setting.last_send_notification_time is None
    assert setting.last_sent_at is None
    assert setting.created_at is not None
    assert setting.last_updated_at is not None
    assert setting.to_wire() == api.wbd("GET", tenant, INTERVAL)["result"]
    assert list(setting.to_wire()) == [
        "id",
        "memberNo",
        "interval",
        "lastSendNotificationTime",
        "createTime",
        "lastUpdatedTime",
        "platform",
        "isDeleted",
    ]

    assert wbd.set_notification_interval(NotificationInterval.THREE_HOUR) is None
    after = wbd.get_notification_interval()
    assert (after.interval_ms, after.interval) == (10_800_000, NotificationInterval.THREE_HOUR)
    assert after.setting_id == setting.setting_id  # one setting per account, changed in place
    assert after.create_time == setting.create_time
    assert api.wbd("GET", tenant, INTERVAL)["result"]["interval"] == 10_800_000
    assert wbd.set_notification_interval("one_min") is None  # a plain string works too
    assert wbd.get_notification_interval().interval is NotificationInterval.ONE_MIN
    for interval in NotificationInterval:
        wbd.set_notification_interval(interval)
        assert wbd.get_notification_interval().interval_ms == interval.ms


def test_a_bad_interval_is_code_400(wbd: Any) -> None:
    wbd.set_notification_interval(NotificationInterval.SIX_HOUR)
    for bad in ("fortnight", "THREE_HOUR", "", "10m"):
        with pytest.raises(WbdError) as caught:
            wbd.set_notification_interval(bad)
        err = caught.value
        assert (err.wbd_code, err.status_code) == (400, 200)
        assert err.message.startswith("interval: must be one of one_min, two_min")
        assert str(err).startswith("400: interval: ")
    assert wbd.get_notification_interval().interval is NotificationInterval.SIX_HOUR  # unchanged


def test_webhook_targets(wbd: Any, api: SignedApi, tenant: Tenant) -> None:
    assert wbd.list_webhooks() == []
    hook: Webhook = wbd.add_webhook("http://127.0.0.1:9/hook")
    assert isinstance(hook, Webhook)
    assert hook.url == "http://127.0.0.1:9/hook"
    assert len(hook.webhook_id) == 22
    assert hook.created_at is not None
    other = wbd.add_webhook("https://hooks.example.com/secmon?team=web")
    listed: list[Webhook] = wbd.list_webhooks()
    assert all(isinstance(h, Webhook) for h in listed)
    assert {h.webhook_id for h in listed} == {hook.webhook_id, other.webhook_id}
    assert [h.to_wire() for h in listed] == api.wbd("GET", tenant, WEBHOOKS)["result"]
    assert hook.to_wire() in [h.to_wire() for h in listed]

    assert wbd.delete_webhook(hook.webhook_id) is None
    assert [h.webhook_id for h in wbd.list_webhooks()] == [other.webhook_id]
    with pytest.raises(WbdError) as gone:
        wbd.delete_webhook(hook.webhook_id)
    assert (gone.value.wbd_code, gone.value.status_code) == (404, 200)
    assert hook.webhook_id in gone.value.message
    with pytest.raises(WbdError) as unknown:
        wbd.delete_webhook("2024072409000000000001")
    assert unknown.value.wbd_code == 404


@pytest.mark.parametrize("url", ["file:///etc/passwd", "not a url", "ftp://example.com/x", "http://"])
def test_a_bad_webhook_url_is_code_400(wbd: Any, url: str) -> None:
    with pytest.raises(WbdError) as caught:
        wbd.add_webhook(url)
    assert caught.value.wbd_code == 400
    assert caught.value.message.startswith("url: ")
    assert wbd.list_webhooks() == []


def test_accounts_see_only_their_own(
    server: str, make_tenant: TenantFactory, make_wbd: Any, tenant: Tenant
) -> None:
    mine, theirs = make_wbd(server, tenant), make_wbd(server, make_tenant("globex"))
    hook = mine.add_webhook("http://127.0.0.1:9/mine")
    mine.set_notification_interval("one_hour")
    assert theirs.list_webhooks() == []
    assert theirs.get_notification_interval().interval is NotificationInterval.TEN_MIN
    with pytest.raises(WbdError) as caught:
        theirs.delete_webhook(hook.webhook_id)
    assert caught.value.wbd_code == 404
    assert [h.webhook_id for h in mine.list_webhooks()] == [hook.webhook_id]


def test_a_viewer_reads_but_does_not_change(server: str, make_tenant: TenantFactory, make_wbd: Any) -> None:
    owner = make_wbd(server, make_tenant("acme"))
    hook = owner.add_webhook("http://127.0.0.1:9/hook")
    reader = make_wbd(server, make_tenant("acme", sub="reader", policies=["WBDViewer"]))
    assert reader.get_notification_interval().interval is NotificationInterval.TEN_MIN
    assert [h.webhook_id for h in reader.list_webhooks()] == [hook.webhook_id]
    for change in (
        lambda: reader.set_notification_interval("one_min"),
        lambda: reader.add_webhook("http://127.0.0.1:9/other"),
        lambda: reader.delete_webhook(hook.webhook_id),
    ):
        with pytest.raises(PermissionDenied, match="Change/"):
            change()
    outsider = make_wbd(server, make_tenant("acme", sub="ips-only", policies=["SecurityMonitoringViewer"]))
    with pytest.raises(PermissionDenied, match="View/getNotificationInterval"):
        outsider.get_notification_interval()


# -- what goes on the wire (no server: an httpx.MockTransport records the requests)

WEBHOOK_ID = "2024072409000000000001"
SETTING = {
    "id": "2024071710442000000002", "memberNo": "26***90", "interval": 10_800_000,
    "lastSendNotificationTime": 1_721_000_000_000, "createTime": 1_720_000_000_000,
    "lastUpdatedTime": 1_721_000_000_000, "platform": "VPC", "isDeleted": False,
}  # fmt: skip
HOOK = {"webhookId": WEBHOOK_ID, "url": "https://hooks.example.com/x", "createdTime": 1_720_000_000_000}

#: name → (call, method, path, JSON body, the answer's `result`, a read?)
WIRE: dict[str, tuple[Any, str, str, Any, Any, bool]] = {
    "get interval": (
        lambda w: w.get_notification_interval(), "GET", "/api/v1/alarm/interval", None, SETTING, True,
    ),
    "set interval": (
        lambda w: w.set_notification_interval(NotificationInterval.TWELVE_HOUR),
        "PATCH", "/api/v1/alarm/interval", {"interval": "twelve_hour"}, None, False,
    ),
    "set interval by name": (
        lambda w: w.set_notification_interval("five_min"),
        "PATCH", "/api/v1/alarm/interval", {"interval": "five_min"}, None, False,
    ),
    "add webhook": (
        lambda w: w.add_webhook("https://hooks.example.com/x"),
        "POST", "/secmon/v1/wbd/webhooks", {"url": "https://hooks.example.com/x"}, HOOK, False,
    ),
    "list webhooks": (lambda w: w.list_webhooks(), "GET", "/secmon/v1/wbd/webhooks", None, [HOOK], True),
    "delete webhook": (
        lambda w: w.delete_webhook("a/b?c"), "DELETE", "/secmon/v1/wbd/webhooks/a%2Fb%3Fc", None, None, False,
    ),
}  # fmt: skip


@pytest.mark.parametrize("name", WIRE)
def test_what_each_operation_sends(name: str) -> None:
    call, method, path, body, result, read = WIRE[name]
    sent: list[httpx.Request] = []
    failures = [httpx.Response(503, json={"error": {"errorCode": "900", "message": "Unexpected Error"}})]

    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        if failures:
            return failures.pop(0)
        return httpx.Response(200, json={"success": True, "code": 0, "message": "success", "result": result})

    transport = httpx.MockTransport(answer)
    with WebshellBehaviorDetector(
        "http://wbd.test", access_key="k", secret_key="s", transport=transport, backoff=0
    ) as wbd:
        if not read:  # a change is never retried: the 503 is the answer
            with pytest.raises(GatewayError):
                call(wbd)
            assert len(sent) == 1
            failures.clear()
            sent.clear()
        answered = call(wbd)
    assert len(sent) == (2 if read else 1)  # a read is retried after the 503
    request = sent[-1]
    assert (request.method, request.url.raw_path.decode()) == (method, path)
    assert request.headers["x-ncp-use_platform_type"] == "VPC"
    assert (None if not request.content else orjson.loads(request.content)) == body
    if result is None:
        assert answered is None
    elif isinstance(result, list):
        assert [item.to_wire() for item in answered] == result
    else:
        assert answered.to_wire() == result


def test_the_clouds_setting_parses() -> None:
    setting = NotificationSetting.model_validate(SETTING)
    assert (setting.member_no, setting.interval_ms, setting.interval) == (
        "26***90",
        10_800_000,
        NotificationInterval.THREE_HOUR,
    )
    assert setting.last_sent_at is not None
    assert setting.last_sent_at.isoformat() == "2024-07-14T23:33:20+00:00"
    odd = NotificationSetting.model_validate({**SETTING, "interval": 90_000, "memberNo": 2690})
    assert (odd.interval, odd.member_no) == (None, "2690")  # a length without a name; IDs as strings
    assert odd.to_wire()["interval"] == 90_000
