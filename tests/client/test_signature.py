"""The client signs exactly what it sends: a vector computed here with stdlib hmac."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json

import httpx
import pytest

from secmon.client import AsyncWebshellBehaviorDetector, SecurityMonitoring, WebshellBehaviorDetector, _base

ACCESS_KEY = "AKIDEXAMPLE0000000001"
SECRET_KEY = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
TIMESTAMP = 1_721_736_686_000

OK_PAGE = {
    "success": True,
    "code": 0,
    "message": "success",
    "result": {"content": [], "totalCount": 0, "pageSize": 20, "pageIndex": 0, "totalPages": 0},
}


def expected_signature(method: str, uri: str, timestamp: str, access_key: str, secret: str) -> str:
    message = f"{method} {uri}\n{timestamp}\n{access_key}".encode()
    return base64.b64encode(hmac.new(secret.encode(), message, hashlib.sha256).digest()).decode()


class Recorder:
    def __init__(self, answer: dict[str, object]) -> None:
        self.requests: list[httpx.Request] = []
        self.answer = answer

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return httpx.Response(200, json=self.answer)


@pytest.fixture
def pinned_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_base, "_now_ms", lambda: TIMESTAMP)


@pytest.mark.usefixtures("pinned_clock")
def test_get_with_a_query_string_is_signed_with_it() -> None:
    rec = Recorder(OK_PAGE)
    with WebshellBehaviorDetector(
        "https://wbd.example.test",
        access_key=ACCESS_KEY,
        secret_key=SECRET_KEY,
        transport=httpx.MockTransport(rec),
    ) as wbd:
        wbd.list_rules(page_index=3, page_size=50)
    (sent,) = rec.requests
    uri = "/api/v1/exception-rules?pageIndex=3&pageSize=50"
    assert sent.url.raw_path.decode() == uri
    assert str(sent.url) == f"https://wbd.example.test{uri}"
    assert sent.headers["x-ncp-apigw-timestamp"] == str(TIMESTAMP)
    assert sent.headers["x-ncp-iam-access-key"] == ACCESS_KEY
    assert sent.headers["x-ncp-apigw-signature-v2"] == expected_signature(
        "GET", uri, str(TIMESTAMP), ACCESS_KEY, SECRET_KEY
    )
    assert sent.headers["X-NCP-USE_PLATFORM_TYPE"] == "VPC"


@pytest.mark.usefixtures("pinned_clock")
def test_the_vector_by_value() -> None:
    """A fixed vector, so a change to both sides at once cannot go unnoticed."""
    rec = Recorder(OK_PAGE)
    with WebshellBehaviorDetector(
        "https://wbd.example.test",
        access_key=ACCESS_KEY,
        secret_key=SECRET_KEY,
        transport=httpx.MockTransport(rec),
    ) as wbd:
        wbd.list_deleted_rules(page_index=0, page_size=20)
    message = (
        f"GET /api/v1/deleted-exception-rules?pageIndex=0&pageSize=20\n{TIMESTAMP}\n{ACCESS_KEY}"
    ).encode()
    digest = hmac.new(SECRET_KEY.encode(), message, hashlib.sha256).digest()
    assert rec.requests[0].headers["x-ncp-apigw-signature-v2"] == base64.b64encode(digest).decode()


@pytest.mark.usefixtures("pinned_clock")
def test_post_signs_the_path_not_the_body() -> None:
    answer = {"returnCode": 0, "ipsDataList": [], "returnMessage": "SUCCESS", "totalRows": 0, "page": 1}
    rec = Recorder(answer)
    with SecurityMonitoring(
        "https://sm.example.test",
        access_key=ACCESS_KEY,
        secret_key=SECRET_KEY,
        transport=httpx.MockTransport(rec),
        platform="CLASSIC",
    ) as sm:
        sm.list_ips(1719849227000, 1720108427000, event_name="Log4j")
    (sent,) = rec.requests
    assert sent.url.raw_path == b"/securitymonitoring/v1/getIPSList"
    assert sent.headers["x-ncp-apigw-signature-v2"] == expected_signature(
        "POST", "/securitymonitoring/v1/getIPSList", str(TIMESTAMP), ACCESS_KEY, SECRET_KEY
    )
    assert "X-NCP-USE_PLATFORM_TYPE" not in sent.headers
    assert json.loads(sent.content) == {
        "startDateTime": 1719849227000,
        "endDateTime": 1720108427000,
        "page": 1,
        "countPerPage": 20,
        "eventNm": "Log4j",
    }


@pytest.mark.usefixtures("pinned_clock")
def test_ids_are_quoted_whole_and_signed_as_sent() -> None:
    rec = Recorder({"success": True, "code": 0, "message": "success", "result": None})
    with WebshellBehaviorDetector(
        "http://127.0.0.1:9/base/",
        access_key=ACCESS_KEY,
        secret_key=SECRET_KEY,
        transport=httpx.MockTransport(rec),
    ) as wbd:
        wbd.delete_rule("a/b?c=1 d")
    (sent,) = rec.requests
    uri = "/base/api/v1/exception-rules/a%2Fb%3Fc%3D1%20d"
    assert sent.url.raw_path.decode() == uri
    assert sent.headers["x-ncp-apigw-signature-v2"] == expected_signature(
        "DELETE", uri, str(TIMESTAMP), ACCESS_KEY, SECRET_KEY
    )


@pytest.mark.usefixtures("pinned_clock")
def test_async_client_signs_the_same_way() -> None:
    rec = Recorder(OK_PAGE)

    async def run() -> None:
        async with AsyncWebshellBehaviorDetector(
            "https://wbd.example.test",
            access_key=ACCESS_KEY,
            secret_key=SECRET_KEY,
            transport=httpx.MockTransport(rec),
            platform="classic",
        ) as wbd:
            await wbd.list_servers(page_index=1, page_size=5)

    asyncio.run(run())
    (sent,) = rec.requests
    uri = "/api/v1/servers?pageIndex=1&pageSize=5"
    assert sent.url.raw_path.decode() == uri
    assert sent.headers["x-ncp-apigw-signature-v2"] == expected_signature(
        "GET", uri, str(TIMESTAMP), ACCESS_KEY, SECRET_KEY
    )
    assert sent.headers["X-NCP-USE_PLATFORM_TYPE"] == "CLASSIC"


def test_each_request_is_signed_with_a_fresh_timestamp(server: str, make_tenant: object) -> None:
    """Against the real server: a GET with a query string authenticates (the server
    verifies the same string the client signed)."""
    tenant = make_tenant("acme")  # type: ignore[operator]
    with WebshellBehaviorDetector(server, access_key=tenant.access_key, secret_key=tenant.secret_key) as wbd:
        assert wbd.list_rules(page_index=0, page_size=7).page_size == 7
        assert wbd.list_deleted_rules(page_index=2, page_size=3).page_index == 2
