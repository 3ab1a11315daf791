"""getIPSList on SQLite is first tried on the event loop with bounded reads (the
signature even before the body has arrived); a read that gives up (WouldBlock) sends
the question to a worker thread. Over a real socket: the answer is the same either way,
the request is authenticated and rate-limited once, and errors keep their order."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest

from secmon.api import Settings
from secmon.domain.events import IpsPage, IpsQuery
from secmon.store import Store, sqlite
from secmon.store.sql_store import WouldBlock
from secmon.store.sqlite import SqliteStore
from tests.api.conftest import BASE, HOUR, VPC_PATH, add_events, ips_event, list_body
from tests.conftest import SignedApi, TenantFactory
from tests.support import signing

WORKER = "secmon worker"


def _ok(response: Any) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()
    return data


def test_a_question_too_long_for_the_event_loop_is_answered_by_a_worker(
    api: SignedApi, make_tenant: TenantFactory, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    acme = make_tenant("acme")
    add_events(store, acme, [ips_event(BASE + i * 1000, f"event {i % 7}") for i in range(3000)])
    answered_in: list[str] = []
    search = store.search_ips_events

    def spied(member_no: int, query: IpsQuery) -> IpsPage:
        page = search(member_no, query)
        answered_in.append(threading.current_thread().name)
        return page

    monkeypatch.setattr(store, "search_ips_events", spied)
    # Inside one hour: counted event by event, thousands of VM steps.
    body = list_body(BASE + 1, BASE + HOUR - 1, countPerPage=5, eventNm="EVENT 3")
    expected = _ok(api.post(acme, VPC_PATH, body))
    assert expected["totalRows"] == len([i for i in range(1, 3000) if i % 7 == 3])
    monkeypatch.setattr(sqlite, "BOUNDED_READ_SECONDS", 0.0)  # every bounded read gives up
    assert _ok(api.post(acme, VPC_PATH, body)) == expected
    if isinstance(store, SqliteStore):  # first on the event loop; then, given up, in a worker
        assert answered_in[0] != WORKER
        assert answered_in[1:] == [WORKER]
    else:  # PostgreSQL: never on the event loop
        assert answered_in == [WORKER, WORKER]


class TestFallback:
    @pytest.fixture
    def settings(self) -> Settings:
        return Settings(rate_limit=0.001, rate_burst=2)  # two requests, no refill

    def test_authenticated_and_rate_limited_once(
        self, api: SignedApi, make_tenant: TenantFactory, store: Store, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        acme = make_tenant("acme")
        add_events(store, acme, [ips_event(BASE, "one")])
        searched_in: list[str] = []
        search = store.search_ips_events

        def search_that_runs_long_on_the_loop(member_no: int, query: IpsQuery) -> IpsPage:
            where = threading.current_thread().name
            searched_in.append(where)
            if where != WORKER:
                raise WouldBlock("simulated: ran past its budget")
            return search(member_no, query)

        monkeypatch.setattr(store, "search_ips_events", search_that_runs_long_on_the_loop)
        body = list_body(countPerPage=20)
        for _ in range(2):  # the burst: each request takes one token, though searched twice
            assert _ok(api.post(acme, VPC_PATH, body))["totalRows"] == 1
        assert api.post(acme, VPC_PATH, body).status_code == 429
        if isinstance(store, SqliteStore):  # on the server's event loop, then in a worker
            loop = searched_in[0]
            assert loop != WORKER
            assert searched_in == [loop, WORKER, loop, WORKER]
        else:  # PostgreSQL: never on the event loop
            assert searched_in == [WORKER, WORKER]


class TestAuthenticationBeforeTheBody:
    """The signature is checked as soon as the headers are in (on SQLite), but what the
    client hears keeps the gateway's order: a body over the limit is a 413 whatever the
    signature, then a bad signature is a 401, then the rate limit, then the body."""

    @pytest.fixture
    def settings(self) -> Settings:
        return Settings(max_body_bytes=512)

    def test_a_streamed_body_over_the_limit_is_413_even_unsigned(self, api: SignedApi) -> None:
        def chunks() -> Iterator[bytes]:  # no Content-Length: only reading finds it too large
            for _ in range(20):
                yield b"x" * 100

        for headers in ({}, {"x-ncp-apigw-timestamp": "1", "x-ncp-iam-access-key": "NOSUCHKEY"}):
            response = api.http.post(VPC_PATH, content=chunks(), headers=headers)
            assert response.status_code == 413, response.text
            assert response.json()["error"]["errorCode"] == "430"

    def test_a_bad_signature_is_401_once_the_body_is_read(
        self, api: SignedApi, make_tenant: TenantFactory
    ) -> None:
        acme = make_tenant("acme")
        forged = signing.headers(acme.access_key, "wrong secret", "POST", VPC_PATH)
        response = api.post(None, VPC_PATH, raw=b"{not even json", headers=forged)
        assert response.status_code == 401, response.text
        assert response.json()["error"]["details"] == "Invalid authentication information."
