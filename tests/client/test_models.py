"""Typed results: built from the seeds' example items, and back to the same JSON."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from secmon.client import Condition, DetectionTarget, ExceptionRule, IpsEvent, IpsPage, Page, TargetType
from secmon.client._operations import _page

#: The getIPSList seed's example item.
SEED_IPS_ITEM: dict[str, Any] = {
    "ticketId": "526068436",
    "date": "1720044443000",
    "product": "IPS_V2",
    "eventNm": "Deep Security Apache Log4j Remote Code Execution Vulnerability (CVE-2021-44228)",
    "attackType": None,
    "attackerIp": "***.***.***.***",
    "attackerPort": "51185",
    "targetIp": "***.***.***.***",
    "targetPort": "80",
    "protocol": "TCP",
    "detect": "1",
    "region": "Korea",
    "zoneName": "KR-2",
    "platForm": "VPC",
    "vpcName": "kr-sm-vpc",
}

#: The SearchDeletedExceptionRule seed's example item (its masked memberNo made a number).
SEED_RULE_ITEM: dict[str, Any] = {
    "disabled": False,
    "actionName": None,
    "permission": None,
    "exceptedRuleId": "2024072321114100000001",
    "exceptedRuleName": "nks-php",
    "exceptTargetType": "server",
    "exceptTarget": "{target-instance-id}",
    "exceptTargetName": "{target-name}",
    "processName": "{process}",
    "processNameCondition": "EQUAL",
    "processArg": "{process-and-arguments}",
    "processArgCondition": "EQUAL",
    "executor": "www-data",
    "executorCondition": "EQUAL",
    "processNameOfParent": "{process}",
    "processNameOfParentCondition": "EQUAL",
    "processArgOfParent": "{process-and-arguments}",
    "processArgOfParentCondition": "EQUAL",
    "executorOfParent": "www-data",
    "executorOfParentCondition": "EQUAL",
    "createdTime": 1721736701560,
    "deletedTime": 1721736731627,
    "isDeleted": True,
    "memo": None,
    "memberNo": 2690,
    "groupIsDeleted": None,
}


def test_ips_numbers_become_ints_and_go_back_as_strings() -> None:
    event = IpsEvent.model_validate(SEED_IPS_ITEM)
    assert (event.ticket_id, event.date, event.attacker_port, event.target_port, event.detect) == (
        "526068436",
        1720044443000,
        51185,
        80,
        1,
    )
    assert event.detected_at == datetime(2024, 7, 3, 22, 7, 23, tzinfo=UTC)
    assert (event.event_name, event.platform, event.attack_type) == (SEED_IPS_ITEM["eventNm"], "VPC", None)
    assert event.to_wire() == SEED_IPS_ITEM
    assert list(event.to_wire()) == list(SEED_IPS_ITEM)  # and in the seed's order


def test_ips_page() -> None:
    body = {
        "returnCode": 0,
        "ipsDataList": [SEED_IPS_ITEM],
        "returnMessage": "SUCCESS",
        "totalRows": 1,
        "page": 1,
    }
    page = IpsPage.model_validate(body)
    assert (page.total, page.page, len(page.items)) == (1, 1, 1)
    assert page.to_wire() == body


def test_the_seed_rule_item() -> None:
    rule = ExceptionRule.model_validate(SEED_RULE_ITEM)
    assert (rule.rule_id, rule.name, rule.target_type, rule.target) == (
        "2024072321114100000001",
        "nks-php",
        TargetType.SERVER,
        "{target-instance-id}",
    )
    assert rule.executor_of_parent_condition is Condition.EQUAL
    assert rule.deleted_at == datetime.fromtimestamp(1721736731.627, UTC)
    assert rule.to_wire() == SEED_RULE_ITEM
    page = _page(ExceptionRule)(
        {"content": [SEED_RULE_ITEM], "totalCount": 1, "pageSize": 20, "pageIndex": 0, "totalPages": 1}
    )
    assert isinstance(page, Page)
    assert page.items == [rule]


@pytest.mark.parametrize(
    ("change", "attribute", "expected"),
    [
        ({"memberNo": "26***90"}, "member_no", "26***90"),  # the cloud's masked string stays a string
        ({"processNameCondition": "REGEX"}, "process_name_condition", "REGEX"),  # newer than this client
        ({"exceptTargetType": "serverTag"}, "target_type", "serverTag"),
    ],
)
def test_unknown_values_survive(change: dict[str, Any], attribute: str, expected: Any) -> None:
    item = {**SEED_RULE_ITEM, **change}
    rule = ExceptionRule.model_validate(item)
    assert getattr(rule, attribute) == expected
    assert rule.to_wire() == item


def test_unknown_fields_are_kept_and_absent_ones_stay_absent() -> None:
    item = {"instanceNo": 25000097, "serverName": "web-1", "osType": "LINUX", "agentStatus": "enable"}
    server = DetectionTarget.model_validate(item)
    assert server.instance_no == "25000097"  # identifiers are strings, whatever the server sent
    assert server.memo is None
    assert server.to_wire() == {**item, "instanceNo": "25000097"}
    assert "memo" not in server.to_wire()
