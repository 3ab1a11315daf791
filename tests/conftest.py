"""Shared fixtures: a real SQLite file and a real PostgreSQL for every store test,
the real app on a loopback socket, and tenants with signed keys."""

from __future__ import annotations

import os
import sys
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import orjson
import psycopg
import pytest

from secmon.api import Settings, create_app
from secmon.logs import configure_logging
from secmon.service.accounts import AccountService
from secmon.service.secrets import SecretBox, open_secret_box
from secmon.store import Store, open_store
from tests.support import signing
from tests.support.postgres import REQUIRE_ENV, PostgresCluster, PostgresUnavailable, start_cluster
from tests.support.server import serving


def _shared_dir() -> Path:
    """The project's shared folder (seeds, real sensor data): $SECMON_SHARED_DIR, the
    clone's sibling `../shared`, or /work/shared — CI may clone anywhere."""
    candidates = [
        os.environ.get("SECMON_SHARED_DIR"),
        Path(__file__).resolve().parents[2] / "shared",
        "/work/shared",
    ]
    for candidate in candidates:
        if candidate and (Path(candidate) / "seeds").is_dir():
            return Path(candidate)
    raise RuntimeError("cannot find the shared folder (seeds, real data): set SECMON_SHARED_DIR")


SHARED = _shared_dir()
REAL_DATA = SHARED / "data" / "real"
SEEDS = SHARED / "seeds"


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[PostgresCluster]:
    try:
        cluster = start_cluster()
    except PostgresUnavailable as exc:
        if os.environ.get(REQUIRE_ENV) == "1":
            pytest.fail(f"{REQUIRE_ENV}=1 but PostgreSQL is unavailable: {exc}")
        pytest.skip(f"PostgreSQL unavailable: {exc}")
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture
def pg_url(pg_cluster: PostgresCluster) -> Iterator[str]:
    """A fresh, empty schema of the throwaway cluster, dropped afterwards."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(pg_cluster.url(), autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    yield pg_cluster.url(search_path=schema)
    with psycopg.connect(pg_cluster.url(), autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Every test using this runs twice: on a SQLite file and on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'secmon.db'}"
    url: str = request.getfixturevalue("pg_url")
    return url


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    s = open_store(db_url)
    s.migrate()
    try:
        yield s
    finally:
        s.close()


@pytest.fixture
def key_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "master.key"
    monkeypatch.setenv("SECMON_KEY_FILE", str(path))
    return path


@pytest.fixture
def box(store: Store, key_file: Path) -> SecretBox:
    return open_secret_box(store, key_file)


@dataclass(frozen=True)
class Tenant:
    name: str
    member_no: int
    access_key: str
    secret_key: str


TenantFactory = Callable[..., Tenant]


@pytest.fixture
def make_tenant(store: Store, box: SecretBox) -> TenantFactory:
    """make_tenant("acme") → account + key; make_tenant("acme", sub="bob", policies=[...])
    → a key of a (new) sub-account of the existing or new account."""
    service = AccountService(store, box)

    def make(
        name: str,
        sub: str | None = None,
        policies: list[str] | None = None,
        server_groups: list[str] | None = None,
    ) -> Tenant:
        account = store.account_by_name(name) or service.create_account(name)
        if sub is not None:
            service.create_subaccount(name, sub, policies or [], server_groups or [])
        issued = service.create_key(name, sub)
        return Tenant(name, account.member_no, issued.access_key, issued.secret_key)

    return make


@pytest.fixture
def settings() -> Settings:
    return Settings()


@pytest.fixture
def server(store: Store, box: SecretBox, settings: Settings) -> Iterator[str]:
    """Base URL of the real app on a loopback socket. Its access log goes to the stderr
    of this moment (pytest's capture), not into the output a CLI run captures later."""
    configure_logging(stream=sys.stderr)
    try:
        with serving(create_app(settings, store, box)) as url:
            yield url
    finally:
        configure_logging()


class SignedApi:
    """An httpx client that signs like the cloud's tools (independently of secmon)."""

    def __init__(self, base_url: str) -> None:
        self.http = httpx.Client(base_url=base_url, timeout=30)

    def post(
        self,
        tenant: Tenant | None,
        path: str,
        body: Any = None,
        *,
        raw: bytes | None = None,
        timestamp: int | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        sent = dict(headers or {})
        if tenant is not None:
            sent = {**signing.headers(tenant.access_key, tenant.secret_key, "POST", path, timestamp), **sent}
        if raw is None and body is not None:
            raw = orjson.dumps(body)
        return self.http.post(path, content=raw, headers=sent)

    def request(
        self,
        method: str,
        tenant: Tenant | None,
        path: str,
        body: Any = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        """Any method; `path` may carry a query string, which is signed with it."""
        sent = signing.headers(tenant.access_key, tenant.secret_key, method, path) if tenant else {}
        sent.update(headers or {})
        content = None if body is None else orjson.dumps(body)
        return self.http.request(method, path, content=content, headers=sent)

    def wbd(
        self, method: str, tenant: Tenant | None, path: str, body: Any = None, platform: str | None = "VPC"
    ) -> Any:
        """A WBD call with the platform header; returns the decoded envelope."""
        headers = {"X-NCP-USE_PLATFORM_TYPE": platform} if platform else {}
        response = self.request(method, tenant, path, body, headers)
        assert response.status_code == 200, response.text
        return response.json()

    def get(self, tenant: Tenant | None, path: str) -> httpx.Response:
        sent = signing.headers(tenant.access_key, tenant.secret_key, "GET", path) if tenant else {}
        return self.http.get(path, headers=sent)


@pytest.fixture
def api(server: str) -> Iterator[SignedApi]:
    client = SignedApi(server)
    try:
        yield client
    finally:
        client.http.close()
