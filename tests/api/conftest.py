"""Helpers for the HTTP API tests: events in, request bodies out, wire constants.

The tests talk to the real app over a loopback socket (the `api` fixture) and
assert on the raw wire keys, never on secmon's Python names.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any

from secmon.domain.events import IpsEvent
from secmon.store import Store
from tests.conftest import Tenant

VPC_PATH = "/vsecuritymonitoring/v1/getIPSList"
CLASSIC_PATH = "/securitymonitoring/v1/getIPSList"

HOUR = 3_600_000
#: An hour boundary (2024-08-07T20:00:00Z), so ranges can start on, before or after one.
BASE = 478_628 * HOUR

#: The keys of an `ipsDataList` item, in the seed's order.
ITEM_KEYS = [
    "ticketId",
    "date",
    "product",
    "eventNm",
    "attackType",
    "attackerIp",
    "attackerPort",
    "targetIp",
    "targetPort",
    "protocol",
    "detect",
    "region",
    "zoneName",
    "platForm",
    "vpcName",
]
TOP_KEYS = ["returnCode", "ipsDataList", "returnMessage", "totalRows", "page"]

APIGW = "APIGW"
ORIGIN_HEADER = "x-ncp-apigw-response-origin"


def ips_event(at: int, name: str = "Test event", **fields: Any) -> IpsEvent:
    """An IpsEvent at epoch ms `at`; unset fields stay unknown (None)."""
    return IpsEvent(detected_at=at, event_name=name, **fields)


def add_events(store: Store, tenant: Tenant, events: Iterable[IpsEvent]) -> int:
    """Store `events` in the tenant's account; returns how many were stored."""
    events = list(events)
    stored = store.add_ips_events(tenant.member_no, events)
    assert stored == len(events)
    return stored


def list_body(start: int = 0, end: int = BASE + 100 * HOUR, **fields: Any) -> dict[str, Any]:
    """A getIPSList body: the four required fields, plus any wire-named extras."""
    body: dict[str, Any] = {"startDateTime": start, "endDateTime": end, "page": 1, "countPerPage": 1000}
    body.update(fields)
    return body


def names(response_json: dict[str, Any]) -> list[str]:
    """The eventNm of each item, in response order."""
    return [item["eventNm"] for item in response_json["ipsDataList"]]


def gateway_error(code: str, message: str, details: str) -> dict[str, Any]:
    return {"error": {"errorCode": code, "message": message, "details": details}}


Case = Callable[..., AbstractContextManager[None]]


@contextmanager
def checks() -> Iterator[Case]:
    """Many small checks against one server; every failing one is reported at the end.

    ``with checks() as case:`` then ``with case("name", detail=...):`` around each check.
    (pytest's own `subtests` swap the captured stdout per subtest and close it, while the
    server thread may still be writing its access log there: a crash, not a report.)
    """
    failures: list[str] = []

    @contextmanager
    def case(name: str, **detail: Any) -> Iterator[None]:
        label = name + "".join(f" {k}={v!r}" for k, v in detail.items())
        try:
            yield
        except AssertionError as exc:
            failures.append(f"[{label}] {exc}")

    yield case
    assert not failures, f"{len(failures)} failing case(s):\n" + "\n".join(failures)
