"""WebshellBehaviorDetector detection targets against the real server (sync and async)."""

from __future__ import annotations

from typing import Any

from secmon.client import AgentStatus, DetectionTarget, TargetType
from tests.conftest import SignedApi, Tenant


def test_register_list_search_and_iterate(wbd: Any, api: SignedApi, tenant: Tenant) -> None:
    added = [
        wbd.add_server(
            str(25000100 + i),
            f"web-{i}",
            host_name=f"web-{i}.internal",
            ip_address=f"10.0.1.{i}",
            server_group_name="web" if i % 2 else "db",
        )
        for i in range(7)
    ]
    first: DetectionTarget = added[0]
    assert (first.instance_no, first.server_name, first.host_name, first.ip_address) == (
        "25000100",
        "web-0",
        "web-0.internal",
        "10.0.1.0",
    )
    assert (first.server_group_name, first.agent_status, first.member_no) == (
        "db",
        AgentStatus.ENABLE,
        tenant.member_no,
    )
    assert first.server_group_id
    assert first.registered_at is not None
    page = wbd.list_servers(page_index=0, page_size=3)
    assert (page.total, page.total_pages, len(page.items)) == (7, 3, 3)
    walked = list(wbd.iter_servers(page_size=2))  # 4 pages
    wire = api.wbd("GET", tenant, "/api/v1/servers?pageSize=100")["result"]["content"]
    assert [s.to_wire() for s in walked] == wire
    assert {s.instance_no for s in walked} == {s.instance_no for s in added}

    def found(**filters: Any) -> set[str]:
        return {s.instance_no for s in wbd.search_servers(page_size=100, **filters).items}

    assert found(server_name="WEB-3") == {"25000103"}
    assert found(server_group_name="web") == {"25000101", "25000103", "25000105"}
    assert found(ip_address="10.0.1.6") == {"25000106"}
    assert found(agent_status=[AgentStatus.ENABLE]) == {s.instance_no for s in added}
    assert found(agent_status=["disable", "down"]) == set()
    assert {s.instance_no for s in wbd.iter_servers(page_size=1, server_group_name="db")} == {
        "25000100",
        "25000102",
        "25000104",
        "25000106",
    }


def test_memo_and_agent(wbd: Any) -> None:
    wbd.add_server("25000097", "web-1")
    assert wbd.set_server_memo("25000097", "duplicated server") is None
    assert wbd.search_servers(memo="DUPLICATED").items[0].memo == "duplicated server"
    assert wbd.deactivate_agent("25000097") is None
    (server,) = wbd.search_servers(agent_status=["disable"]).items
    assert server.agent_status == AgentStatus.DISABLE
    assert wbd.activate_agent("25000097") is None
    assert wbd.list_servers().items[0].agent_status == "enable"


def test_deleting_a_group(wbd: Any) -> None:
    server = wbd.add_server("25000097", "web-1", server_group_name="web")
    rule = wbd.create_rule(
        "group rule", TargetType.SERVER_GROUP, target=server.server_group_id, executor="root"
    )
    assert (rule.target_name, rule.group_is_deleted) == ("web", False)
    assert wbd.delete_server_group(server.server_group_id) is None
    (after,) = wbd.list_servers().items
    assert (after.server_group_id, after.server_group_name) == (None, None)
    assert wbd.list_rules().items[0].group_is_deleted is True
