"""Retries: reads (GET and the POST searches) on 429 and 5xx, with backoff; changes never.

The network is an httpx.MockTransport here: a real server does not fail on demand.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from secmon.client import (
    AsyncWebshellBehaviorDetector,
    GatewayError,
    RateLimited,
    SecurityMonitoring,
    WbdError,
    WebshellBehaviorDetector,
)
from secmon.client import _operations as ops

EMPTY_PAGE = {
    "success": True,
    "code": 0,
    "message": "success",
    "result": {"content": [], "totalCount": 0, "pageSize": 20, "pageIndex": 0, "totalPages": 0},
}
UNEXPECTED = {"error": {"errorCode": "900", "message": "Unexpected Error", "details": "Request id x."}}
LIMITED = {"error": {"errorCode": "420", "message": "Rate Limited", "details": "Too many requests."}}


class Flaky:
    """Answers the given failures in turn, then succeeds; records every request."""

    def __init__(self, failures: list[httpx.Response], success: Any = EMPTY_PAGE) -> None:
        self.failures = list(failures)
        self.success = success
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.failures:
            return self.failures.pop(0)
        return httpx.Response(200, json=self.success)


def unexpected(status: int = 500) -> httpx.Response:
    return httpx.Response(status, json=UNEXPECTED, headers={"x-ncp-apigw-response-origin": "APIGW"})


def client(flaky: Flaky, **options: Any) -> WebshellBehaviorDetector:
    options.setdefault("backoff", 0)
    return WebshellBehaviorDetector(
        "http://wbd.test", access_key="k", secret_key="s", transport=httpx.MockTransport(flaky), **options
    )


READS: dict[str, Callable[[WebshellBehaviorDetector], Any]] = {
    "GET list": lambda w: w.list_rules(),
    "POST search": lambda w: w.search_deleted_rules(name="x"),
    "GET history": lambda w: w.rule_history("2024072321114100000001"),
}
CHANGES: dict[str, Callable[[WebshellBehaviorDetector], Any]] = {
    "create": lambda w: w.create_rule("r", "everyServer", executor="root"),
    "update": lambda w: w.update_rule("2024072321114100000001", memo="m"),
    "delete": lambda w: w.delete_rule("2024072321114100000001"),
    "memo": lambda w: w.set_rule_memo("2024072321114100000001", "m"),
    "agent": lambda w: w.activate_agent("1"),
}


@pytest.mark.parametrize("name", READS)
def test_reads_are_retried_on_429_and_5xx(name: str) -> None:
    read = READS[name]
    success: Any = {**EMPTY_PAGE, "result": []} if "history" in name else EMPTY_PAGE
    flaky = Flaky([unexpected(503), httpx.Response(429, json=LIMITED), unexpected(500)], success)
    with client(flaky) as wbd:
        read(wbd)
    assert len(flaky.requests) == 4
    # Each attempt is built and signed anew (a retry may come minutes later).
    assert all(r.headers["x-ncp-apigw-signature-v2"] for r in flaky.requests)
    assert len({id(r) for r in flaky.requests}) == 4


def test_getipslist_is_a_read() -> None:
    answer = {"returnCode": 0, "ipsDataList": [], "returnMessage": "SUCCESS", "totalRows": 0, "page": 1}
    flaky = Flaky([unexpected(502)], answer)
    with SecurityMonitoring(
        "http://sm.test", access_key="k", secret_key="s", transport=httpx.MockTransport(flaky), backoff=0
    ) as sm:
        assert sm.list_ips(0, 1).total == 0
    assert len(flaky.requests) == 2


@pytest.mark.parametrize("change", CHANGES.values(), ids=CHANGES.keys())
def test_changes_are_never_retried(change: Callable[[WebshellBehaviorDetector], Any]) -> None:
    flaky = Flaky([unexpected(503)])
    with client(flaky) as wbd, pytest.raises(GatewayError) as caught:
        change(wbd)
    assert len(flaky.requests) == 1
    assert (caught.value.status_code, caught.value.error_code) == (503, "900")


def test_retries_give_up_after_max_retries() -> None:
    flaky = Flaky([httpx.Response(429, json=LIMITED)] * 10)
    with client(flaky, max_retries=2) as wbd, pytest.raises(RateLimited):
        wbd.list_rules()
    assert len(flaky.requests) == 3
    flaky = Flaky([unexpected()] * 10)
    with client(flaky, max_retries=0) as wbd, pytest.raises(GatewayError):
        wbd.list_rules()
    assert len(flaky.requests) == 1


def test_client_errors_are_not_retried() -> None:
    bad = {"success": False, "code": 400, "message": "pageSize: must be between 1 and 1000", "result": None}
    flaky = Flaky([httpx.Response(200, json=bad), httpx.Response(401, json=UNEXPECTED)])
    with client(flaky) as wbd, pytest.raises(WbdError):
        wbd.list_rules()
    assert len(flaky.requests) == 1


def test_backoff_grows_exponentially_and_honours_retry_after() -> None:
    with client(Flaky([]), backoff=0.5, max_retries=5) as wbd:
        read = ops.rules_list(False, 0, 20)
        change = ops.rule_delete("1")
        busy = httpx.Response(503)
        delays = [wbd._retry_delay(read, attempt, busy) for attempt in range(5)]
        for attempt, delay in enumerate(delays):
            assert delay is not None
            ceiling = 0.5 * 2**attempt
            assert ceiling / 2 <= delay <= ceiling  # equal jitter
        assert wbd._retry_delay(read, 5, busy) is None  # max_retries reached
        assert wbd._retry_delay(change, 0, busy) is None  # never a change
        assert wbd._retry_delay(read, 0, httpx.Response(404)) is None
        assert wbd._retry_delay(read, 0, httpx.Response(429, headers={"Retry-After": "3"})) == 3.0
        assert wbd._retry_delay(read, 0, httpx.Response(429, headers={"Retry-After": "9999"})) == 20.0


def test_async_retries_the_same_way() -> None:
    flaky = Flaky([unexpected(503), unexpected(504)])

    async def run() -> None:
        async with AsyncWebshellBehaviorDetector(
            "http://wbd.test", access_key="k", secret_key="s", transport=httpx.MockTransport(flaky), backoff=0
        ) as wbd:
            page = await wbd.search_rules(name="x")
            assert page.total == 0
            flaky.failures.append(unexpected(503))
            with pytest.raises(GatewayError):
                await wbd.delete_rule("1")

    asyncio.run(run())
    assert [r.method for r in flaky.requests] == ["POST", "POST", "POST", "DELETE"]
