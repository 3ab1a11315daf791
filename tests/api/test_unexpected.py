"""A bug inside secmon is answered with the gateway's 500 body and a request id, and
logged — never a stack trace on the wire."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from secmon.api import Settings, create_app
from secmon.domain.events import IpsPage, IpsQuery
from secmon.service.accounts import AccountService
from secmon.service.secrets import open_secret_box
from secmon.store import open_store
from secmon.store.sqlite import SqliteStore
from tests.support import signing
from tests.support.server import serving


class _BrokenStore(SqliteStore):
    def search_ips_events(self, member_no: int, query: IpsQuery) -> IpsPage:
        raise RuntimeError("simulated bug")


def test_unexpected_error_is_a_gateway_900(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path}/secmon.db"
    open_store(url).migrate()
    store = _BrokenStore(url)
    box = open_secret_box(store, tmp_path / "k")
    service = AccountService(store, box)
    service.create_account("acme")
    key = service.create_key("acme")
    path = "/vsecuritymonitoring/v1/getIPSList"
    with serving(create_app(Settings(), store, box)) as base:
        response = httpx.post(
            base + path,
            json={"startDateTime": 0, "endDateTime": 1, "page": 1, "countPerPage": 1},
            headers=signing.headers(key.access_key, key.secret_key, "POST", path),
        )
    store.close()
    assert response.status_code == 500
    assert response.headers["x-ncp-apigw-response-origin"] == "APIGW"
    request_id = response.headers["x-request-id"]
    assert response.json() == {
        "error": {"errorCode": "900", "message": "Unexpected Error", "details": f"Request id {request_id}."}
    }
    assert "simulated bug" not in response.text
    captured = capfd.readouterr()
    logged = captured.out + captured.err
    assert request_id in logged
    assert "simulated bug" in logged
