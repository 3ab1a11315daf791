"""Each error class, from the real server where it can say so (sync and async)."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from secmon.api import Settings, create_app
from secmon.client import (
    ApiError,
    AuthenticationFailed,
    CredentialsError,
    GatewayError,
    PermissionDenied,
    RateLimited,
    ResponseError,
    SecmonClientError,
    SmError,
    Timeout,
    TransportError,
    WbdError,
    WebshellBehaviorDetector,
)
from secmon.service.secrets import SecretBox
from secmon.store import Store
from tests.conftest import Tenant, TenantFactory
from tests.support.server import serving


def test_bad_secret_is_authentication_failed(server: str, tenant: Tenant, make_sm: Any) -> None:
    sm = make_sm(server, access_key=tenant.access_key, secret_key="not-the-secret")
    with pytest.raises(AuthenticationFailed) as caught:
        sm.list_ips(0, 1)
    err = caught.value
    assert (err.status_code, err.error_code, err.gateway_message) == (401, "200", "Authentication Failed")
    assert err.details == "Invalid authentication information."
    assert str(err) == "200: Authentication Failed: Invalid authentication information."
    assert isinstance(err, GatewayError)
    assert isinstance(err, ApiError)
    assert isinstance(err, SecmonClientError)


def test_unknown_key_is_authentication_failed(server: str, make_wbd: Any) -> None:
    wbd = make_wbd(server, access_key="NOSUCHKEY0000000000", secret_key="x")
    with pytest.raises(AuthenticationFailed, match=r"^200: Authentication Failed"):
        wbd.list_rules()


def test_sub_account_without_the_policy_is_permission_denied(
    server: str, make_tenant: TenantFactory, make_wbd: Any, make_sm: Any
) -> None:
    viewer = make_tenant("acme", sub="ips-only", policies=["SecurityMonitoringViewer"])
    with pytest.raises(PermissionDenied) as caught:
        make_wbd(server, viewer).list_rules()
    assert (caught.value.status_code, caught.value.error_code) == (401, "210")
    assert caught.value.gateway_message == "Permission Denied"
    assert "View/getExceptionRule" in str(caught.value)
    assert make_sm(server, viewer).list_ips(0, 1).total == 0
    reader = make_tenant("acme", sub="reader", policies=["WBDViewer"])
    with pytest.raises(PermissionDenied, match="Change/"):
        make_wbd(server, reader).create_rule("r", "everyServer", executor="root")


def test_sm_bad_request(sm: Any) -> None:
    with pytest.raises(SmError) as caught:
        sm.list_ips(2000, 1000)
    err = caught.value
    assert (err.status_code, err.return_code, err.return_message) == (400, 100, "Bad Request Exception")
    assert err.details is not None
    assert err.details.startswith("startDateTime:")
    assert str(err).startswith("100: Bad Request Exception: startDateTime:")
    with pytest.raises(SmError, match="countPerPage"):
        sm.list_ips(0, 1, count=0)
    with pytest.raises(SmError, match="regionCode"):
        sm.list_ips(0, 1, region_code="MARS")


def test_wbd_bad_input_is_code_400(wbd: Any) -> None:
    with pytest.raises(WbdError) as caught:
        wbd.create_rule("nothing used", "everyServer")
    err = caught.value
    assert (err.wbd_code, err.status_code) == (400, 200)
    assert str(err).startswith("400: ")
    with pytest.raises(WbdError, match=r"^400: exceptTarget"):
        wbd.create_rule("no server", "server", target="404404", executor="root")
    with pytest.raises(WbdError, match=r"^400: pageSize"):
        wbd.list_rules(page_size=5000)


def test_wbd_unknown_id_is_code_404(wbd: Any) -> None:
    missing = "2024072321114100000001"
    for action in (
        lambda: wbd.delete_rule(missing),
        lambda: wbd.update_rule(missing, memo="x"),
        lambda: wbd.rule_history(missing),
        lambda: wbd.restore_rule(missing),
        lambda: wbd.set_server_memo("404404", "x"),
        lambda: wbd.activate_agent("404404"),
        lambda: wbd.delete_server_group(missing),
    ):
        with pytest.raises(WbdError) as caught:
            action()
        assert caught.value.wbd_code == 404


def test_unknown_path_is_gateway_404(server: str, tenant: Tenant, make_wbd: Any) -> None:
    wbd = make_wbd(f"{server}/no/such/prefix", tenant)
    with pytest.raises(GatewayError) as caught:
        wbd.list_rules()
    assert (caught.value.status_code, caught.value.error_code) == (404, "300")
    assert type(caught.value) is GatewayError


@pytest.fixture
def strict_server(store: Store, box: SecretBox) -> Iterator[str]:
    """A server with a tiny body limit and a rate of one request per ~15 minutes."""
    settings = Settings(max_body_bytes=400, rate_limit=0.001, rate_burst=2)
    with serving(create_app(settings, store, box)) as url:
        yield url


def test_body_too_large_and_rate_limited(strict_server: str, tenant: Tenant, make_wbd: Any) -> None:
    wbd = make_wbd(strict_server, tenant, max_retries=2, backoff=0)
    with pytest.raises(GatewayError) as caught:
        wbd.create_rule("big", "everyServer", executor="root", memo="x" * 1000)
    assert (caught.value.status_code, caught.value.error_code) == (413, "430")
    assert wbd.list_rules().total == 0  # burst: 1 of 2
    assert wbd.list_rules().total == 0  # burst: 2 of 2
    with pytest.raises(RateLimited) as limited:
        wbd.list_rules()  # a read: retried twice, still limited
    assert (limited.value.status_code, limited.value.error_code) == (429, "420")


def _refused_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


def test_connection_refused_is_a_transport_error(tenant: Tenant, make_wbd: Any) -> None:
    wbd = make_wbd(f"http://127.0.0.1:{_refused_port()}", tenant, timeout=5)
    with pytest.raises(TransportError) as caught:
        wbd.list_rules()
    assert not isinstance(caught.value, Timeout)
    assert caught.value.code == "transport"
    assert "127.0.0.1" in str(caught.value)


@pytest.fixture
def silent_server() -> Iterator[str]:
    """Accepts connections (the kernel's backlog) and never answers."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(16)
        yield f"http://127.0.0.1:{s.getsockname()[1]}"


def test_no_answer_in_time_is_a_timeout(silent_server: str, tenant: Tenant, make_sm: Any) -> None:
    sm = make_sm(silent_server, tenant, timeout=0.3)
    with pytest.raises(Timeout) as caught:
        sm.list_ips(0, 1)
    assert isinstance(caught.value, TransportError)
    assert str(caught.value).startswith("timeout: no answer in time")


def test_an_answer_in_no_known_shape_is_a_response_error() -> None:
    def proxy_page(request: httpx.Request) -> httpx.Response:
        return httpx.Response(502, text="<html>Bad Gateway</html>")

    with (
        WebshellBehaviorDetector(
            "http://wbd.test",
            access_key="k",
            secret_key="s",
            transport=httpx.MockTransport(proxy_page),
            max_retries=0,
        ) as wbd,
        pytest.raises(ResponseError, match=r"^502: not a JSON answer: <html>Bad Gateway"),
    ):
        wbd.list_rules()

    def wrong_json(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"success": True, "code": 0, "result": {"content": "?"}})

    with (
        WebshellBehaviorDetector(
            "http://wbd.test", access_key="k", secret_key="s", transport=httpx.MockTransport(wrong_json)
        ) as wbd,
        pytest.raises(ResponseError, match="unexpected answer"),
    ):
        wbd.list_rules()


def test_no_credentials_at_all(server: str) -> None:
    with pytest.raises(CredentialsError, match=r"^credentials: no credentials found"):
        WebshellBehaviorDetector(server)
