"""Process events → detections / excepted detections, end to end over a real socket."""

from __future__ import annotations

import time
from typing import Any

from tests.conftest import SignedApi, Tenant, TenantFactory
from tests.support import signing

T0 = 1_720_000_000_000
SHELL_FROM_PHP: dict[str, Any] = {
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


def _push(api: SignedApi, t: Tenant, *events: dict[str, Any]) -> dict[str, Any]:
    result = api.wbd("POST", t, "/secmon/v1/wbd/process-events", list(events))
    assert result["success"] is True, result
    return dict(result["result"])


def _lists(api: SignedApi, t: Tenant) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    detections = api.wbd("GET", t, "/api/v1/detections?pageIndex=0&pageSize=100")["result"]["content"]
    excepted = api.wbd("GET", t, "/api/v1/exceptions?pageIndex=0&pageSize=100")["result"]["content"]
    return detections, excepted


def _rule(api: SignedApi, t: Tenant, **extra: Any) -> dict[str, Any]:
    body = {
        "exceptedRuleName": "php id",
        "exceptTargetType": "server",
        "exceptTarget": "25000097",
        "processName": "sh",
        "processNameOfParent": "php",
        "processNameOfParentCondition": "START",
        **extra,
    }
    created = api.wbd("POST", t, "/secmon/v1/wbd/exception-rules", body)
    assert created["success"] is True, created
    return dict(created["result"])


def test_detection_item_and_auto_registered_server(api: SignedApi, make_tenant: TenantFactory) -> None:
    t = make_tenant("acme")
    assert _push(api, t, SHELL_FROM_PHP, {"time": 1, "instanceNo": "x", "processName": "ls"}) == {
        "accepted": 2,
        "detections": 1,
        "excepted": 0,
        "repeats": 0,
        "malformed": 0,
    }
    detections, excepted = _lists(api, t)
    assert excepted == []
    [d] = detections
    assert len(d["detectionId"]) == 22
    assert d["instanceNo"] == "25000097"
    assert d["serverName"] == "web-1"
    assert d["command"] == "sh -c id"
    assert d["processId"] == "4242"
    assert d["processIdOfParent"] == "4000"
    assert d["actionStatus"] == "blank"
    assert d["detectTime"] == T0
    assert d["ruleId"] == "WBD-SH-001"
    assert d["severity"] == 3
    assert d["detectCount"] == 1
    servers = api.wbd("GET", t, "/api/v1/servers")["result"]["content"]
    # every instance that reports an event is registered, detection or not
    assert {s["instanceNo"] for s in servers} == {"25000097", "x"}


def test_repeats_within_ten_minutes_are_counted(api: SignedApi, make_tenant: TenantFactory) -> None:
    t = make_tenant("acme")
    later = {**SHELL_FROM_PHP, "time": T0 + 9 * 60_000}
    much_later = {**SHELL_FROM_PHP, "time": T0 + 11 * 60_000}
    report = _push(api, t, SHELL_FROM_PHP, later, much_later)
    assert (report["detections"], report["repeats"]) == (2, 1)
    detections, _ = _lists(api, t)
    assert sorted(d["detectCount"] for d in detections) == [1, 2]


def test_exception_rules_decide_where_the_same_event_goes(api: SignedApi, make_tenant: TenantFactory) -> None:
    t = make_tenant("acme")
    times = iter(range(T0, T0 + 10**9, 3_600_000))

    def push_once() -> str:
        report = _push(api, t, {**SHELL_FROM_PHP, "time": next(times)})
        return "excepted" if report["excepted"] else "detected"

    assert push_once() == "detected"
    rule = _rule(api, t)
    assert push_once() == "excepted"
    _, excepted = _lists(api, t)
    assert excepted[0]["exceptedRuleId"] == rule["exceptedRuleId"]
    assert excepted[0]["exceptedRuleName"] == "php id"

    path = f"/secmon/v1/wbd/exception-rules/{rule['exceptedRuleId']}"
    assert api.wbd("PATCH", t, path, {"disabled": True})["success"] is True
    assert push_once() == "detected"
    assert api.wbd("PATCH", t, path, {"disabled": False})["success"] is True
    assert push_once() == "excepted"

    api.wbd("POST", t, "/secmon/v1/wbd/servers", {"instanceNo": "999", "serverName": "other"})
    assert api.wbd("PATCH", t, path, {"exceptTarget": "999"})["success"] is True
    assert push_once() == "detected"
    assert api.wbd("PATCH", t, path, {"exceptTarget": "25000097"})["success"] is True
    assert push_once() == "excepted"

    assert api.wbd("DELETE", t, f"/api/v1/exception-rules/{rule['exceptedRuleId']}")["success"] is True
    assert push_once() == "detected"
    # past detections are not rewritten by rule changes
    detections, excepted = _lists(api, t)
    assert (len(detections), len(excepted)) == (4, 3)


def test_memo_delete_except_cancel(api: SignedApi, make_tenant: TenantFactory) -> None:
    t = make_tenant("acme")
    _push(api, t, SHELL_FROM_PHP)
    [d] = _lists(api, t)[0]
    ident = d["detectionId"]
    assert (
        api.wbd("PATCH", t, f"/api/v1/detections/{ident}/memo", {"content": "looked at it"})["result"] is None
    )
    [d] = _lists(api, t)[0]
    assert (d["memo"], d["actionStatus"]) == ("looked at it", "confirmed")

    moved = api.wbd("POST", t, f"/secmon/v1/wbd/detections/{ident}/except", {"createRule": True})["result"]
    assert moved["detectionId"] == ident
    assert len(moved["exceptionId"]) == 22
    assert moved["exceptedRuleId"]
    detections, excepted = _lists(api, t)
    assert (detections, [e["detectionId"] for e in excepted]) == ([], [ident])
    # the created rule excepts the next repeat beyond the window too
    assert _push(api, t, {**SHELL_FROM_PHP, "time": T0 + 3_600_000})["excepted"] == 1

    exc = moved["exceptionId"]
    assert api.wbd("PATCH", t, f"/api/v1/exceptions/{exc}/memo", {"content": "known"})["success"] is True
    assert api.wbd("PATCH", t, f"/api/v1/exceptions/{exc}/cancel")["success"] is True
    detections, _ = _lists(api, t)
    assert [d["detectionId"] for d in detections] == [ident]
    assert api.wbd("DELETE", t, f"/api/v1/detections/{ident}")["success"] is True
    assert _lists(api, t)[0] == []
    missing = api.wbd("DELETE", t, f"/api/v1/detections/{ident}")
    assert (missing["success"], missing["code"]) == (False, 404)


def test_search_filters(api: SignedApi, make_tenant: TenantFactory) -> None:
    t = make_tenant("acme")
    curl = {
        **SHELL_FROM_PHP,
        "time": T0 + 1000,
        "processName": "curl",
        "processArg": "http://x/a.sh",
        "processNameOfParent": "sh",
        "processArgOfParent": "-c curl",
        "executor": "nginx",
        "suspiciousIP": "203.0.113.9",
    }
    _push(api, t, SHELL_FROM_PHP, curl)

    # curl has an ancestor chain only through its parent sh; without ancestors it is not under web
    def search(**body: Any) -> list[str]:
        result = api.wbd("POST", t, "/api/v1/detections", {"pageIndex": 0, "pageSize": 10, **body})
        assert result["success"] is True, result
        return [d["processName"] for d in result["result"]["content"]]

    assert search() == ["sh"]
    _push(api, t, {**curl, "ancestors": [{"processName": "php-fpm"}]})
    assert search() == ["curl", "sh"]
    assert search(processName="CUR") == ["curl"]
    assert search(executor="nginx") == ["curl"]
    assert search(suspiciousIP="203.0.113") == ["curl"]
    assert search(detectTimeFrom=T0 + 1000, detectTimeTo=T0 + 1000) == ["curl"]
    assert search(detectTimeFrom=0, detectTimeTo=0) == ["curl", "sh"]
    assert search(actionStatus="confirmed") == []
    assert search(hostName="WEB-1") == ["curl", "sh"]
    bad = api.wbd("POST", t, "/api/v1/detections", {"actionStatus": "maybe"})
    assert (bad["success"], bad["code"]) == (False, 400)
    assert bad["message"].startswith("actionStatus: ")


def test_preview_and_detection_rules(api: SignedApi, make_tenant: TenantFactory) -> None:
    t = make_tenant("acme")
    now = int(time.time() * 1000)
    _push(api, t, {**SHELL_FROM_PHP, "time": now - 1000})
    body = {"exceptedRuleName": "p", "exceptTargetType": "everyServer", "processName": "sh", "days": 1}
    preview = api.wbd("POST", t, "/secmon/v1/wbd/exception-rules/preview", body)["result"]
    assert preview["wouldSuppress"] == 1
    assert preview["sample"][0]["processName"] == "sh"
    other = api.wbd("POST", t, "/secmon/v1/wbd/exception-rules/preview", {**body, "processName": "bash"})
    assert other["result"]["wouldSuppress"] == 0

    rules = api.wbd("GET", t, "/secmon/v1/wbd/detection-rules")["result"]
    assert {r["ruleId"] for r in rules} >= {"WBD-SH-001", "WBD-RS-001"}
    assert all(r["enabled"] for r in rules)
    off = api.wbd("PATCH", t, "/secmon/v1/wbd/detection-rules/WBD-SH-001", {"enabled": False})["result"]
    assert off["enabled"] is False
    # `sh -c id` under php is a shell spawn and recon: with the first off, recon remains
    assert _push(api, t, {**SHELL_FROM_PHP, "time": now + 3_600_000})["detections"] == 1
    assert _lists(api, t)[0][0]["ruleId"] == "WBD-RC-001"
    api.wbd("PATCH", t, "/secmon/v1/wbd/detection-rules/WBD-RC-001", {"enabled": False})
    assert _push(api, t, {**SHELL_FROM_PHP, "time": now + 7_200_000})["detections"] == 0
    unknown = api.wbd("PATCH", t, "/secmon/v1/wbd/detection-rules/NOPE", {"enabled": False})
    assert unknown["code"] == 404


def test_malformed_events_are_counted(api: SignedApi, make_tenant: TenantFactory) -> None:
    t = make_tenant("acme")
    raw = b'{"time": 1, "instanceNo": "1", "processName": "ls"}\nnot json\n{"time": "x"}\n'
    response = api.request(
        "POST", t, "/secmon/v1/wbd/process-events", None, {"X-NCP-USE_PLATFORM_TYPE": "VPC"}
    )
    assert response.json()["code"] == 400
    path = "/secmon/v1/wbd/process-events"
    sent = api.http.post(
        path,
        content=raw,
        headers={
            **signing.headers(t.access_key, t.secret_key, "POST", path),
            "X-NCP-USE_PLATFORM_TYPE": "VPC",
        },
    )
    assert sent.json()["result"] == {
        "accepted": 1,
        "detections": 0,
        "excepted": 0,
        "repeats": 0,
        "malformed": 2,
    }


def test_paging_and_bad_input_in_the_envelope(api: SignedApi, make_tenant: TenantFactory) -> None:
    t = make_tenant("acme")
    events = [{**SHELL_FROM_PHP, "time": T0 + i * 3_600_000, "processArg": f"-c id{i}"} for i in range(7)]
    assert _push(api, t, *events)["detections"] == 7
    page = api.wbd("GET", t, "/api/v1/detections?pageIndex=1&pageSize=3")["result"]
    assert (page["totalCount"], page["pageSize"], page["pageIndex"], page["totalPages"]) == (7, 3, 1, 3)
    assert [d["processArg"] for d in page["content"]] == ["-c id3", "-c id2", "-c id1"]  # newest first
    past = api.wbd("POST", t, "/api/v1/detections", {"pageIndex": "5", "pageSize": "3"})["result"]
    assert (past["content"], past["totalCount"], past["totalPages"]) == ([], 7, 3)
    for path, body in [
        ("/api/v1/detections?pageSize=0", None),
        ("/api/v1/exceptions?pageIndex=-1", None),
    ]:
        bad = api.wbd("GET", t, path, body)
        assert (bad["success"], bad["code"], bad["result"]) == (False, 400, None)
    for method, path, body, code in [
        ("POST", "/api/v1/detections", {"pageSize": 1001}, 400),
        ("POST", "/api/v1/detections", {"detectTimeFrom": "soon"}, 400),
        ("POST", "/api/v1/detections", [1, 2], 400),
        ("PATCH", "/api/v1/detections/20240101000000000000/memo", {"content": "x"}, 404),
        ("PATCH", "/api/v1/detections/20240101000000000000/memo", {}, 400),
        ("PATCH", "/api/v1/exceptions/20240101000000000000/cancel", None, 404),
        ("POST", "/secmon/v1/wbd/detections/20240101000000000000/except", {}, 404),
        ("POST", "/secmon/v1/wbd/exception-rules/preview", {"exceptedRuleName": "x"}, 400),
        (
            "POST",
            "/secmon/v1/wbd/exception-rules/preview",
            {"exceptedRuleName": "x", "exceptTargetType": "everyServer", "processName": "sh", "days": 0},
            400,
        ),
    ]:
        answer = api.wbd(method, t, path, body)
        assert (answer["success"], answer["code"]) == (False, code), (method, path, answer)
    # an unusable pushed record is counted, not fatal (NUL cannot be stored anywhere)
    pushed = api.wbd(
        "POST", t, "/secmon/v1/wbd/process-events", [{**SHELL_FROM_PHP, "processName": "\u0000"}]
    )
    assert pushed["result"]["malformed"] == 1
    # an excepted detection's id is not a detection's, and the other way round
    detection_id = page["content"][0]["detectionId"]
    assert api.wbd("PATCH", t, f"/api/v1/exceptions/{detection_id}/memo", {"content": "x"})["code"] == 404


def test_tenants_see_only_their_own_detections(api: SignedApi, make_tenant: TenantFactory) -> None:
    mine, theirs = make_tenant("acme"), make_tenant("globex")
    _push(api, mine, SHELL_FROM_PHP)
    [d] = _lists(api, mine)[0]
    assert _lists(api, theirs) == ([], [])
    assert api.wbd("DELETE", theirs, f"/api/v1/detections/{d['detectionId']}")["code"] == 404
    viewer = make_tenant("acme", sub="auditor", policies=["SecurityMonitoringViewer"])
    denied = api.request("GET", viewer, "/api/v1/detections", None, {"X-NCP-USE_PLATFORM_TYPE": "VPC"})
    assert (denied.status_code, denied.json()["error"]["errorCode"]) == (401, "210")
