"""WBD tables through the Store contract, on SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import replace

from secmon.domain.wbd import (
    Actor,
    AgentStatus,
    Condition,
    ExceptionRule,
    FieldCondition,
    RuleChange,
    RuleConditions,
    RuleTarget,
    Server,
    TargetType,
)
from secmon.store import Store

NOW = 1721736701560


def _server(member_no: int, instance_no: str, name: str) -> Server:
    return Server(
        instance_no, member_no, name, "host-" + name, "10.0.0.1", None, AgentStatus.ENABLE, None, NOW
    )


def test_servers_groups_and_group_deletion(store: Store) -> None:
    account = store.create_account("acme", 1)
    web1 = store.register_server(_server(account.member_no, "1001", "web1"), "web")
    web2 = store.register_server(_server(account.member_no, "1002", "web2"), "web")
    assert web1.group is not None
    assert web2.group == web1.group
    assert len(web1.group.group_id) == 22
    assert web1.group.group_id.isdigit()
    assert web1.scope.group_ids == {web1.group.group_id}

    # re-registering updates in place and keeps the creation time
    again = store.register_server(
        replace(_server(account.member_no, "1001", "web1b"), created_at=NOW + 5), None
    )
    assert again.server_name == "web1b"
    assert again.group is None
    assert again.created_at == NOW
    assert [s.instance_no for s in store.servers(account.member_no)] == ["1002", "1001"]

    group_id = web1.group.group_id
    assert store.delete_server_group(account.member_no, group_id, NOW + 10) is True
    assert store.delete_server_group(account.member_no, group_id, NOW + 11) is False
    deleted = store.server_group(account.member_no, group_id)
    assert deleted is not None
    assert deleted.deleted_at == NOW + 10
    remaining = store.server(account.member_no, "1002")
    assert remaining is not None
    assert remaining.group is None
    # a new live group may take the deleted one's name
    reborn = store.register_server(_server(account.member_no, "1003", "web3"), "web")
    assert reborn.group is not None
    assert reborn.group.group_id != group_id

    other = store.create_account("other", 1)
    assert store.server(other.member_no, "1002") is None
    assert store.server_group(other.member_no, reborn.group.group_id) is None


def test_rules_ids_changes_and_history(store: Store) -> None:
    account = store.create_account("acme", 1)
    web = store.register_server(_server(account.member_no, "1001", "web1"), "web")
    assert web.group is not None
    draft = ExceptionRule(
        rule_id="",
        member_no=account.member_no,
        name="nks-php",
        target=RuleTarget(TargetType.SERVER_GROUP, web.group.group_id),
        target_name="web",
        conditions=RuleConditions(
            process_name=FieldCondition("/bin/sh", Condition.EQUAL),
            executor=FieldCondition("www", Condition.START),
        ),
        memo=None,
        disabled=False,
        created_at=NOW,
        updated_at=NOW,
    )
    actor = Actor("acme", "AK")
    created = store.create_exception_rule(draft, RuleChange("", NOW, actor, "create", None, None))
    assert len(created.rule_id) == 22
    assert created.rule_id.startswith("20240723121141")
    assert created.group_is_deleted is False
    assert replace(created, rule_id="", group_is_deleted=None) == draft

    deleted = store.change_exception_rule(
        replace(created, deleted_at=NOW + 1, memo="gone"),
        RuleChange(created.rule_id, NOW + 1, actor, "delete", created, None),
    )
    assert deleted.is_deleted
    assert store.exception_rules(account.member_no) == [deleted]
    store.delete_server_group(account.member_no, web.group.group_id, NOW + 2)
    stored = store.exception_rule(account.member_no, created.rule_id)
    assert stored is not None
    assert stored.group_is_deleted is True

    history = store.exception_rule_history(account.member_no, created.rule_id)
    assert [h.action for h in history] == ["create", "delete"]
    assert history[0].before is None
    assert history[0].after == created
    assert history[1].before == created
    assert history[1].after == deleted
    assert history[1].actor == actor

    other = store.create_account("other", 1)
    assert store.exception_rule(other.member_no, created.rule_id) is None
    assert store.exception_rule_history(other.member_no, created.rule_id) == []
