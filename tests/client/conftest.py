"""Client fixtures: the real app on a loopback socket, and clients of both flavours.

`sm` and `wbd` are parametrized: each test runs with the sync client and with the async
client driven through `Blocking`, which awaits every coroutine on one event loop and
collects async iterators into lists, so one test body covers both.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import pytest

from secmon.client import (
    AsyncSecurityMonitoring,
    AsyncWebshellBehaviorDetector,
    SecurityMonitoring,
    WebshellBehaviorDetector,
)
from tests.conftest import Tenant, TenantFactory


async def _collect(items: AsyncIterator[Any]) -> list[Any]:
    return [item async for item in items]


class Blocking:
    """An async client seen through a blocking lens (one loop for the client's life)."""

    def __init__(self, client: Any, loop: asyncio.AbstractEventLoop) -> None:
        self._client = client
        self._loop = loop
        self.is_async = True

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._client, name)
        if not callable(attr):
            return attr

        def call(*args: Any, **kwargs: Any) -> Any:
            result = attr(*args, **kwargs)
            if inspect.isawaitable(result):
                return self._loop.run_until_complete(result)
            if hasattr(result, "__aiter__"):
                return iter(self._loop.run_until_complete(_collect(result)))
            return result

        return call

    def close(self) -> None:
        self._loop.run_until_complete(self._client.aclose())


ClientFactory = Callable[..., Any]


def _factory(request: pytest.FixtureRequest, sync_cls: Any, async_cls: Any) -> Iterator[ClientFactory]:
    made: list[Any] = []
    loop = asyncio.new_event_loop() if request.param == "async" else None

    def make(endpoint: str, tenant: Tenant | None = None, **options: Any) -> Any:
        if tenant is not None:
            options.setdefault("access_key", tenant.access_key)
            options.setdefault("secret_key", tenant.secret_key)
        if loop is None:
            client = sync_cls(endpoint, **options)
        else:
            client = Blocking(async_cls(endpoint, **options), loop)
        made.append(client)
        return client

    try:
        yield make
    finally:
        for client in made:
            client.close()
        if loop is not None:
            loop.close()


@pytest.fixture(params=["sync", "async"])
def make_sm(request: pytest.FixtureRequest) -> Iterator[ClientFactory]:
    """make_sm(endpoint, tenant, **options) → a SecurityMonitoring (sync or async)."""
    yield from _factory(request, SecurityMonitoring, AsyncSecurityMonitoring)


@pytest.fixture(params=["sync", "async"])
def make_wbd(request: pytest.FixtureRequest) -> Iterator[ClientFactory]:
    """make_wbd(endpoint, tenant, **options) → a WebshellBehaviorDetector (sync or async)."""
    yield from _factory(request, WebshellBehaviorDetector, AsyncWebshellBehaviorDetector)


@pytest.fixture
def tenant(make_tenant: TenantFactory) -> Tenant:
    return make_tenant("acme")


@pytest.fixture
def sm(server: str, tenant: Tenant, make_sm: ClientFactory) -> Any:
    return make_sm(server, tenant)


@pytest.fixture
def wbd(server: str, tenant: Tenant, make_wbd: ClientFactory) -> Any:
    return make_wbd(server, tenant)


@pytest.fixture(autouse=True)
def _no_ambient_credentials(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Tests never read the developer's environment or ~/.ncloud/configure."""
    for name in (
        "NCLOUD_ACCESS_KEY",
        "NCLOUD_SECRET_KEY",
        "NCLOUD_ACCESS_KEY_ID",
        "NCLOUD_SECRET_ACCESS_KEY",
        "NCLOUD_PROFILE",
        "SECMON_ENDPOINT",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path_factory.mktemp("home")))
