"""The API Gateway in front of every product (SPEC §2), over a real socket, on both backends:
signature v2, permissions, routing, body limit, rate limit, and the unauthenticated extras."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from secmon.api import Settings
from secmon.service.accounts import AccountService
from secmon.service.secrets import SecretBox
from secmon.store import Store
from tests.api.conftest import (
    APIGW,
    BASE,
    CLASSIC_PATH,
    HOUR,
    ORIGIN_HEADER,
    VPC_PATH,
    add_events,
    checks,
    gateway_error,
    ips_event,
    list_body,
    names,
)
from tests.conftest import SignedApi, Tenant, TenantFactory
from tests.support import signing

MISSING = "Authentication information are missing."
INVALID = "Invalid authentication information."
STALE = "The timestamp is out of the allowed range (5 minutes)."
MINUTE = 60_000

BODY = list_body(BASE - HOUR, BASE + HOUR, countPerPage=20)


def assert_gateway_error(
    response: httpx.Response, status: int, code: str, message: str, details: str
) -> None:
    assert response.status_code == status, response.text
    assert response.headers[ORIGIN_HEADER] == APIGW
    assert response.headers["content-type"].startswith("application/json")
    assert response.json() == gateway_error(code, message, details)


def assert_auth_failed(response: httpx.Response, details: str) -> None:
    assert_gateway_error(response, 401, "200", "Authentication Failed", details)


def assert_not_found(response: httpx.Response) -> None:
    assert_gateway_error(response, 404, "300", "Not Found Exception", "URL not found.")


def assert_ok(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    assert ORIGIN_HEADER not in response.headers
    data: dict[str, Any] = response.json()
    assert data["returnCode"] == 0
    return data


@pytest.fixture
def acme(make_tenant: TenantFactory, store: Store) -> Tenant:
    tenant = make_tenant("acme")
    add_events(store, tenant, [ips_event(BASE, "acme-event")])
    return tenant


def test_a_signed_request_succeeds(api: SignedApi, acme: Tenant) -> None:
    assert names(assert_ok(api.post(acme, VPC_PATH, BODY))) == ["acme-event"]
    assert names(assert_ok(api.post(acme, CLASSIC_PATH, BODY))) == []


# -- the three headers


HEADERS = ("x-ncp-apigw-timestamp", "x-ncp-iam-access-key", "x-ncp-apigw-signature-v2")


def test_missing_or_empty_header(api: SignedApi, acme: Tenant) -> None:
    with checks() as case:
        for header in HEADERS:
            with case("missing", header=header):
                sent = signing.headers(acme.access_key, acme.secret_key, "POST", VPC_PATH)
                del sent[header]
                assert_auth_failed(api.post(None, VPC_PATH, BODY, headers=sent), MISSING)
            with case("empty", header=header):
                assert_auth_failed(api.post(acme, VPC_PATH, BODY, headers={header: ""}), MISSING)
        with case("none at all"):
            assert_auth_failed(api.post(None, VPC_PATH, BODY), MISSING)
            assert_auth_failed(api.post(None, CLASSIC_PATH, BODY), MISSING)


def test_authentication_comes_before_the_body(api: SignedApi, acme: Tenant) -> None:
    # An unsigned or forged request learns nothing, not even that its body is wrong.
    assert_auth_failed(api.post(None, VPC_PATH, raw=b"{not json"), MISSING)
    forged = signing.headers(acme.access_key, "wrong", "POST", VPC_PATH)
    assert_auth_failed(api.post(None, VPC_PATH, {"page": 0}, headers=forged), INVALID)


# -- keys


def test_unknown_access_key(api: SignedApi, acme: Tenant) -> None:
    stranger = Tenant("stranger", 0, "NOSUCHACCESSKEY00000", "x" * 40)
    assert_auth_failed(api.post(stranger, VPC_PATH, BODY), INVALID)


def test_revoked_key(
    api: SignedApi, acme: Tenant, make_tenant: TenantFactory, store: Store, box: SecretBox
) -> None:
    second = make_tenant("acme")
    viewer = make_tenant("acme", sub="viewer", policies=["SecurityMonitoringViewer"])
    for tenant in (acme, viewer):
        assert_ok(api.post(tenant, VPC_PATH, BODY))
        AccountService(store, box).revoke_key(tenant.access_key)
        assert_auth_failed(api.post(tenant, VPC_PATH, BODY), INVALID)
        assert_auth_failed(api.post(tenant, CLASSIC_PATH, BODY), INVALID)
    # The account's other key still works.
    assert names(assert_ok(api.post(second, VPC_PATH, BODY))) == ["acme-event"]


# -- the signature


def _with(sent: dict[str, str], **changes: str) -> dict[str, str]:
    return {**sent, **{k.replace("_", "-"): v for k, v in changes.items()}}


def test_forged_signatures(api: SignedApi, acme: Tenant, make_tenant: TenantFactory) -> None:
    with checks() as case:
        globex = make_tenant("globex")
        sent = signing.headers(acme.access_key, acme.secret_key, "POST", VPC_PATH)
        good, ts = sent["x-ncp-apigw-signature-v2"], sent["x-ncp-apigw-timestamp"]
        wrong_secret = acme.secret_key[:-1] + ("x" if acme.secret_key[-1] != "x" else "y")
        forgeries = {
            "wrong secret": signing.signature(wrong_secret, "POST", VPC_PATH, ts, acme.access_key),
            "another account's secret": signing.signature(
                globex.secret_key, "POST", VPC_PATH, ts, acme.access_key
            ),
            "signed for another key": signing.signature(
                acme.secret_key, "POST", VPC_PATH, ts, globex.access_key
            ),
            "one character changed": ("B" if good[0] == "A" else "A") + good[1:],
            "truncated": good[:-4],
            "garbage": "not base64 at all",
            "padding only": "=" * 44,
            "hex instead of base64": bytes(32).hex(),
        }
        for name, signature in forgeries.items():
            with case(name):
                headers = _with(sent, x_ncp_apigw_signature_v2=signature)
                assert_auth_failed(api.post(None, VPC_PATH, BODY, headers=headers), INVALID)
        with case("timestamp changed after signing"):
            headers = _with(sent, x_ncp_apigw_timestamp=str(int(ts) + 1))
            assert_auth_failed(api.post(None, VPC_PATH, BODY, headers=headers), INVALID)
        with case("the genuine signature still works"):
            assert_ok(api.post(None, VPC_PATH, BODY, headers=sent))


def test_signature_for_another_method(api: SignedApi, acme: Tenant) -> None:
    with checks() as case:
        # "post" is another string to sign: the cloud's tools sign the upper-case method.
        for method in ("GET", "PUT", "DELETE", "post"):
            with case("signed for another method", method=method):
                ts = str(signing.now_ms())
                sent = {
                    "x-ncp-apigw-timestamp": ts,
                    "x-ncp-iam-access-key": acme.access_key,
                    "x-ncp-apigw-signature-v2": signing.signature(
                        acme.secret_key, method, VPC_PATH, ts, acme.access_key
                    ),
                }
                assert_auth_failed(api.post(None, VPC_PATH, BODY, headers=sent), INVALID)


def test_signature_for_another_path(api: SignedApi, acme: Tenant) -> None:
    with checks() as case:
        for signed_path in (CLASSIC_PATH, f"{VPC_PATH}/", VPC_PATH.lower(), "/", "/getIPSList"):
            with case("signed for another path", signed_path=signed_path):
                sent = signing.headers(acme.access_key, acme.secret_key, "POST", signed_path)
                assert_auth_failed(api.post(None, VPC_PATH, BODY, headers=sent), INVALID)


def test_body_is_not_signed(api: SignedApi, acme: Tenant) -> None:
    sent = signing.headers(acme.access_key, acme.secret_key, "POST", VPC_PATH)
    assert names(assert_ok(api.post(None, VPC_PATH, BODY, headers=sent))) == ["acme-event"]
    other = assert_ok(api.post(None, VPC_PATH, {**BODY, "eventNm": "nothing"}, headers=sent))
    assert other["totalRows"] == 0


# -- the query string is part of the signed URI


QUERY_PATH = f"{VPC_PATH}?source=test&x=1"


def test_query_string_is_signed_with_the_path(api: SignedApi, acme: Tenant) -> None:
    with checks() as case:
        with case("signed with ?query"):
            assert names(assert_ok(api.post(acme, QUERY_PATH, BODY))) == ["acme-event"]
        wrong = {
            "query left out of the signature": (VPC_PATH, QUERY_PATH),
            "query signed but not sent": (QUERY_PATH, VPC_PATH),
            "query signed in another order": (f"{VPC_PATH}?x=1&source=test", QUERY_PATH),
            "empty query signed": (f"{VPC_PATH}?", QUERY_PATH),
        }
        for name, (signed, sent_to) in wrong.items():
            with case(name):
                sent = signing.headers(acme.access_key, acme.secret_key, "POST", signed)
                assert_auth_failed(api.post(None, sent_to, BODY, headers=sent), INVALID)


# -- timestamps: 5 minutes or more away from the server clock is stale


def test_timestamp_window(api: SignedApi, acme: Tenant) -> None:
    with checks() as case:
        # 5 minutes ahead gets 2 s of slack: the server reads its clock after the client.
        stale = {
            "exactly 5 min ago": -5 * MINUTE,
            "5 min 1 ms ago": -5 * MINUTE - 1,
            "1 h ago": -60 * MINUTE,
            "5 min 2 s ahead": 5 * MINUTE + 2_000,
            "1 h ahead": 60 * MINUTE,
        }
        for name, offset in stale.items():
            with case(name):
                response = api.post(acme, VPC_PATH, BODY, timestamp=signing.now_ms() + offset)
                assert_auth_failed(response, STALE)
        with case("seconds instead of milliseconds"):
            assert_auth_failed(api.post(acme, VPC_PATH, BODY, timestamp=signing.now_ms() // 1000), STALE)
        fresh = {"4 min ago": -4 * MINUTE, "4 min ahead": 4 * MINUTE, "1 s ago": -1000, "now": 0}
        for name, offset in fresh.items():
            with case(name):
                assert_ok(api.post(acme, VPC_PATH, BODY, timestamp=signing.now_ms() + offset))


def test_timestamp_not_a_number(api: SignedApi, acme: Tenant) -> None:
    with checks() as case:
        for timestamp in ("soon", "-1000", "1.7e12", "0x1"):
            with case("not a number", timestamp=timestamp):
                sent = {
                    "x-ncp-apigw-timestamp": timestamp,
                    "x-ncp-iam-access-key": acme.access_key,
                    "x-ncp-apigw-signature-v2": signing.signature(
                        acme.secret_key, "POST", VPC_PATH, timestamp, acme.access_key
                    ),
                }
                assert_auth_failed(api.post(None, VPC_PATH, BODY, headers=sent), INVALID)


# -- sub-accounts and policies


def test_sub_account_without_an_sm_policy_is_denied(
    api: SignedApi, acme: Tenant, make_tenant: TenantFactory
) -> None:
    with checks() as case:
        for policies in (["WBDViewer"], ["WBDManager"], ["WBDViewer", "WBDManager"]):
            sub = make_tenant("acme", sub="+".join(policies), policies=policies)
            for path in (VPC_PATH, CLASSIC_PATH):
                with case("denied", policies=policies, path=path):
                    response = api.post(sub, path, BODY)
                    assert_gateway_error(
                        response, 401, "210", "Permission Denied", "Not allowed: View/getIPSList"
                    )
        with case("checked before the body"):
            response = api.post(sub, VPC_PATH, raw=b"[not even json")
            assert_gateway_error(response, 401, "210", "Permission Denied", "Not allowed: View/getIPSList")


def test_sub_account_with_sm_viewer_sees_the_parent_accounts_events(
    api: SignedApi, acme: Tenant, make_tenant: TenantFactory, store: Store
) -> None:
    add_events(store, make_tenant("globex"), [ips_event(BASE, "globex-event")])
    owner = assert_ok(api.post(acme, VPC_PATH, BODY))
    for policies in (["SecurityMonitoringViewer"], ["WBDViewer", "SecurityMonitoringViewer"]):
        sub = make_tenant("acme", sub="+".join(policies), policies=policies)
        data = assert_ok(api.post(sub, VPC_PATH, BODY))
        assert names(data) == ["acme-event"]
        assert data["totalRows"] == 1
        assert data == owner


# -- routing

UNKNOWN_PATHS = (
    "/",
    "/nope",
    "/vsecuritymonitoring/v1/noSuchOperation",
    "/vsecuritymonitoring/v2/getIPSList",
    "/vsecuritymonitoring/v1/getipslist",
    "/vsecuritymonitoring/getIPSList",
    "/securitymonitoring/v1/getIPSList/extra",
    "/secmon/v1/nothing-here",
    f"{VPC_PATH}/",
    f"{CLASSIC_PATH}/",
)


def test_unknown_path(api: SignedApi, acme: Tenant) -> None:
    with checks() as case:
        for path in UNKNOWN_PATHS:
            with case("unknown", path=path):
                assert_not_found(api.post(acme, path, BODY))
                assert_not_found(api.post(None, path, BODY))
                assert_not_found(api.get(acme, path))


def test_wrong_method_on_a_known_path(api: SignedApi, acme: Tenant) -> None:
    with checks() as case:
        for path in (VPC_PATH, CLASSIC_PATH):
            for method in ("GET", "PUT", "PATCH", "DELETE"):
                with case("wrong method", method=method, path=path):
                    sent = signing.headers(acme.access_key, acme.secret_key, method, path)
                    content = None if method == "GET" else b"{}"
                    assert_not_found(api.http.request(method, path, headers=sent, content=content))


def test_health_needs_no_signature(api: SignedApi) -> None:
    response = api.http.get("/secmon/v1/health")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    assert isinstance(response.json()["version"], str)


def test_openapi_lists_both_getipslist_paths(api: SignedApi) -> None:
    response = api.http.get("/openapi.json")
    assert response.status_code == 200
    spec = response.json()
    assert spec["openapi"].startswith("3.")
    for path in (VPC_PATH, CLASSIC_PATH):
        operation = spec["paths"][path]["post"]
        assert set(spec["paths"][path]) == {"post"}
        schema = operation["requestBody"]["content"]["application/json"]["schema"]
        assert {"startDateTime", "endDateTime", "page", "countPerPage"} <= set(schema["properties"])
        assert {"x-ncp-apigw-timestamp", "x-ncp-iam-access-key", "x-ncp-apigw-signature-v2"} <= {
            p["name"] for p in operation["parameters"]
        }
        assert {"200", "400"} <= set(operation["responses"])


# -- the request body limit (413 / 430)

LIMIT = 512


def padded(size: int) -> bytes:
    """A valid getIPSList body of exactly `size` bytes (padded with an unknown field)."""
    head = b'{"startDateTime": %d, "endDateTime": %d, "page": 1, "countPerPage": 20, "pad": "' % (
        BASE - HOUR,
        BASE + HOUR,
    )
    tail = b'"}'
    assert size >= len(head) + len(tail)
    return head + b"x" * (size - len(head) - len(tail)) + tail


class TestBodyLimit:
    @pytest.fixture
    def settings(self) -> Settings:
        return Settings(max_body_bytes=LIMIT)

    def test_body_at_the_limit_is_accepted(self, api: SignedApi, acme: Tenant) -> None:
        assert names(assert_ok(api.post(acme, VPC_PATH, raw=padded(LIMIT)))) == ["acme-event"]

    def test_body_over_the_limit(self, api: SignedApi, acme: Tenant) -> None:
        response = api.post(acme, VPC_PATH, raw=padded(LIMIT + 1))
        assert_gateway_error(
            response, 413, "430", "Request Entity Too Large", f"Request body exceeds {LIMIT} bytes."
        )

    def test_body_over_the_limit_unsigned(self, api: SignedApi, acme: Tenant) -> None:
        response = api.post(None, VPC_PATH, raw=padded(4 * LIMIT))
        assert_gateway_error(
            response, 413, "430", "Request Entity Too Large", f"Request body exceeds {LIMIT} bytes."
        )

    def test_chunked_body_over_the_limit(self, api: SignedApi, acme: Tenant) -> None:
        # No Content-Length: the limit is enforced while the body streams in.
        body = padded(4 * LIMIT)

        def chunks() -> Iterator[bytes]:
            for i in range(0, len(body), 100):
                yield body[i : i + 100]

        sent = signing.headers(acme.access_key, acme.secret_key, "POST", VPC_PATH)
        response = api.http.post(VPC_PATH, content=chunks(), headers=sent)
        assert_gateway_error(
            response, 413, "430", "Request Entity Too Large", f"Request body exceeds {LIMIT} bytes."
        )

    def test_chunked_body_under_the_limit(self, api: SignedApi, acme: Tenant) -> None:
        body = padded(LIMIT)

        def chunks() -> Iterator[bytes]:
            for i in range(0, len(body), 100):
                yield body[i : i + 100]

        sent = signing.headers(acme.access_key, acme.secret_key, "POST", VPC_PATH)
        assert names(assert_ok(api.http.post(VPC_PATH, content=chunks(), headers=sent))) == ["acme-event"]


def test_default_body_limit_is_one_mebibyte(api: SignedApi, acme: Tenant) -> None:
    assert Settings().max_body_bytes == 1024 * 1024
    assert names(assert_ok(api.post(acme, VPC_PATH, raw=padded(1024 * 1024)))) == ["acme-event"]
    response = api.post(acme, VPC_PATH, raw=padded(1024 * 1024 + 1))
    assert_gateway_error(
        response, 413, "430", "Request Entity Too Large", "Request body exceeds 1048576 bytes."
    )


# -- the rate limit (429 / 420): per access key, off by default


class TestRateLimit:
    @pytest.fixture
    def settings(self) -> Settings:
        # A burst of 3, then one request per 1000 s: nothing refills during the test.
        return Settings(rate_limit=0.001, rate_burst=3)

    def test_burst_then_limited(self, api: SignedApi, acme: Tenant, make_tenant: TenantFactory) -> None:
        for _ in range(3):
            assert_ok(api.post(acme, VPC_PATH, BODY))
        for path in (VPC_PATH, CLASSIC_PATH):
            response = api.post(acme, path, BODY)
            assert_gateway_error(
                response, 429, "420", "Rate Limited", "Too many requests for this access key."
            )
        # Per key: another key of the same account has its own bucket.
        other = make_tenant("acme")
        for _ in range(3):
            assert_ok(api.post(other, VPC_PATH, BODY))
        assert api.post(other, VPC_PATH, BODY).status_code == 429

    def test_failed_authentication_is_not_rate_limited(self, api: SignedApi, acme: Tenant) -> None:
        for _ in range(5):
            assert_auth_failed(api.post(acme, VPC_PATH, BODY, timestamp=1), STALE)
        assert_ok(api.post(acme, VPC_PATH, BODY))


class TestRateRefill:
    @pytest.fixture
    def settings(self) -> Settings:
        # One request per second: the second, sent at once, must wait for the refill.
        return Settings(rate_limit=1, rate_burst=1)

    def test_tokens_refill_at_the_rate(self, api: SignedApi, acme: Tenant) -> None:
        assert_ok(api.post(acme, VPC_PATH, BODY))
        assert api.post(acme, VPC_PATH, BODY).status_code == 429
        time.sleep(1.1)
        assert_ok(api.post(acme, VPC_PATH, BODY))


def test_no_rate_limit_by_default(api: SignedApi, acme: Tenant) -> None:
    assert Settings().rate_limit is None
    for _ in range(60):
        assert_ok(api.post(acme, VPC_PATH, BODY))
