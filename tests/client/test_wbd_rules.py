"""WebshellBehaviorDetector exception rules against the real server (sync and async)."""

from __future__ import annotations

import time
from typing import Any

from secmon.client import Condition, ExceptionRule, Page, TargetType
from tests.conftest import SignedApi, Tenant


def envelope_items(api: SignedApi, tenant: Tenant, method: str, path: str, body: Any = None) -> Any:
    answer = api.wbd(method, tenant, path, body)
    assert answer["success"] is True, answer
    return answer["result"]["content"]


def make_rules(wbd: Any, count: int, prefix: str = "rule") -> list[ExceptionRule]:
    return [
        wbd.create_rule(f"{prefix} {i}", TargetType.EVERY_SERVER, process_name=f"/usr/bin/p{i}")
        for i in range(count)
    ]


def test_create_with_every_field(wbd: Any, api: SignedApi, tenant: Tenant) -> None:
    server = wbd.add_server("25000097", "web-1", server_group_name="web")
    rule = wbd.create_rule(
        "php shell",
        "server",
        target="25000097",
        process_name="/bin/sh",
        process_name_condition=Condition.EQUAL,
        process_arg="-c ",
        process_arg_condition="START",
        executor="www-data",
        process_name_of_parent="php-fpm",
        process_name_of_parent_condition=Condition.START,
        process_arg_of_parent=".php",
        process_arg_of_parent_condition=Condition.END,
        executor_of_parent="www-data",
        executor_of_parent_condition=Condition.EQUAL,
        memo="known cron job",
        disabled=True,
    )
    assert len(rule.rule_id) == 22
    assert (rule.name, rule.target_type, rule.target, rule.target_name) == (
        "php shell",
        TargetType.SERVER,
        "25000097",
        server.server_name,
    )
    assert rule.executor_condition == Condition.EQUAL  # a value without a condition means EQUAL
    assert (rule.process_arg, rule.process_arg_condition) == ("-c ", Condition.START)
    assert (rule.process_arg_of_parent_condition, rule.memo, rule.disabled) == (
        Condition.END,
        "known cron job",
        True,
    )
    assert (rule.is_deleted, rule.deleted_time, rule.member_no) == (False, None, tenant.member_no)
    assert rule.created_at is not None
    listed = envelope_items(api, tenant, "GET", "/api/v1/exception-rules")
    assert [rule.to_wire()] == listed


def test_list_search_and_iterate(wbd: Any, api: SignedApi, tenant: Tenant) -> None:
    rules = make_rules(wbd, 9)
    page: Page[ExceptionRule] = wbd.list_rules(page_index=1, page_size=4)
    assert (page.total, page.page_size, page.page_index, page.total_pages) == (9, 4, 1, 3)
    newest_first = [r.rule_id for r in reversed(rules)]
    assert [r.rule_id for r in page.items] == newest_first[4:8]
    # iter walks 5 pages of 2 (more than three), in the server's order.
    walked = list(wbd.iter_rules(page_size=2))
    assert [r.to_wire() for r in walked] == envelope_items(
        api, tenant, "GET", "/api/v1/exception-rules?pageSize=100"
    )
    # Searching: every filter is sent under its wire name.
    found = wbd.search_rules(name="RULE 3")
    assert [r.rule_id for r in found.items] == [rules[3].rule_id]
    assert [r.rule_id for r in wbd.search_rules(process_name="P5").items] == [rules[5].rule_id]
    assert list(wbd.iter_rules(page_size=1, process_name="/usr/bin/p")) == walked
    assert wbd.search_rules(target="no-such-target").total == 0
    created = [r.created_time for r in rules]
    window = wbd.search_rules(created_from=created[2], created_to=created[4], page_size=100)
    assert {r.rule_id for r in window.items} >= {rules[2].rule_id, rules[3].rule_id, rules[4].rule_id}
    for field in (
        "process_arg",
        "executor",
        "process_name_of_parent",
        "process_arg_of_parent",
        "executor_of_parent",
    ):
        assert wbd.search_rules(**{field: "zzz"}).total == 0, field


def test_memo_delete_and_the_deleted_list(wbd: Any, api: SignedApi, tenant: Tenant) -> None:
    keep, gone, other = make_rules(wbd, 3)
    answered = wbd.set_rule_memo(keep.rule_id, "reviewed")
    # secmon may answer with the rule (or null, as the cloud does): either way it is stored.
    assert answered is None or answered.memo == "reviewed"
    assert wbd.search_rules(name="rule 0").items[0].memo == "reviewed"
    before = int(time.time() * 1000) - 1000
    assert wbd.delete_rule(gone.rule_id) is None
    assert wbd.delete_rule(other.rule_id) is None
    assert [r.rule_id for r in wbd.list_rules().items] == [keep.rule_id]
    deleted = wbd.list_deleted_rules()
    assert [r.rule_id for r in deleted.items] == [other.rule_id, gone.rule_id]  # last deleted first
    assert all(r.is_deleted and r.deleted_time and r.deleted_at for r in deleted.items)
    searched = wbd.search_deleted_rules(name="rule 1", deleted_from=before)
    assert [r.rule_id for r in searched.items] == [gone.rule_id]
    assert [r.to_wire() for r in searched.items] == envelope_items(
        api, tenant, "POST", "/api/v1/deleted-exception-rules", {"exceptedRuleName": "rule 1"}
    )
    assert wbd.search_deleted_rules(deleted_to=before).total == 0
    assert [r.rule_id for r in wbd.iter_deleted_rules(page_size=1)] == [other.rule_id, gone.rule_id]
    assert [r.rule_id for r in wbd.iter_deleted_rules(page_size=1, process_name="p1")] == [gone.rule_id]
    answered = wbd.set_deleted_rule_memo(gone.rule_id, "why it went")
    assert answered is None or answered.memo == "why it went"
    assert wbd.search_deleted_rules(name="rule 1").items[0].memo == "why it went"


def test_update_recover_restore_and_history(wbd: Any) -> None:
    (rule,) = make_rules(wbd, 1)
    changed = wbd.update_rule(
        rule.rule_id,
        name="renamed",
        executor="nobody",
        executor_condition="EQUAL",
        process_name_condition=Condition.START,
        memo=None,
        disabled=True,
    )
    assert (changed.name, changed.executor, changed.process_name_condition) == ("renamed", "nobody", "START")
    assert (changed.memo, changed.disabled, changed.created_time) == (None, True, rule.created_time)
    wbd.delete_rule(rule.rule_id)
    recovered = wbd.recover_rule(rule.rule_id)  # the cloud's RecoverDeletedExceptionRule
    assert recovered is None or recovered.is_deleted is False
    assert [r.rule_id for r in wbd.list_rules().items] == [rule.rule_id]
    wbd.delete_rule(rule.rule_id)
    restored = wbd.restore_rule(rule.rule_id)  # secmon's extension answers with the rule
    assert (restored.rule_id, restored.is_deleted, restored.name) == (rule.rule_id, False, "renamed")
    history = wbd.rule_history(rule.rule_id)
    assert [c.action for c in history] == ["create", "edit", "delete", "restore", "delete", "restore"]
    assert history[0].before is None
    assert history[0].after is not None
    assert history[0].after.name == "rule 0"
    assert history[1].before is not None
    assert history[1].before.name == "rule 0"
    assert all(c.actor == "acme" and c.access_key for c in history)
    assert [c.time for c in history] == sorted(c.time for c in history)
    assert history[-1].at.tzinfo is not None
