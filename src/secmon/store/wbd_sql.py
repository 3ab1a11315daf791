"""SQL for WBD detection targets and exception rules, shared by both backends.

Rule and group tables are small per account (hundreds of rows), so searches load an
account's rows and filter in Python (domain code), identically on both backends.
"""

from __future__ import annotations

import uuid
from typing import Any

import orjson

from secmon.domain.ids import public_id
from secmon.domain.wbd import (
    MATCH_FIELDS,
    Actor,
    AgentStatus,
    Condition,
    ExceptionRule,
    FieldCondition,
    RuleChange,
    RuleConditions,
    RuleTarget,
    Server,
    ServerGroup,
    TargetType,
)
from secmon.store.session import Row, Session


def insert_with_public_id(s: Session, table: str, column: str, now: int, sql: str, params: list[Any]) -> str:
    """Insert a row, then give it its public id derived from the row's own sequence."""
    pending = f"pending-{uuid.uuid4().hex}"
    row = s.fetchone(sql + " RETURNING id", [pending, *params])
    assert row is not None
    ident = public_id(now, int(row[0]))
    s.execute(f"UPDATE {table} SET {column} = ? WHERE id = ?", (ident, row[0]))
    return ident


# -- server groups and servers

_GROUP_COLUMNS = "group_id, member_no, name, created_at, deleted_at"


def _group(r: Row) -> ServerGroup:
    return ServerGroup(group_id=r[0], member_no=int(r[1]), name=r[2], created_at=int(r[3]), deleted_at=r[4])


def live_group_by_name(s: Session, member_no: int, name: str) -> ServerGroup | None:
    row = s.fetchone(
        f"SELECT {_GROUP_COLUMNS} FROM wbd_server_groups "
        "WHERE member_no = ? AND name = ? AND deleted_at IS NULL",
        (member_no, name),
    )
    return _group(row) if row else None


def group_by_id(s: Session, member_no: int, group_id: str) -> ServerGroup | None:
    row = s.fetchone(
        f"SELECT {_GROUP_COLUMNS} FROM wbd_server_groups WHERE member_no = ? AND group_id = ?",
        (member_no, group_id),
    )
    return _group(row) if row else None


def create_group(s: Session, member_no: int, name: str, now: int) -> ServerGroup:
    group_id = insert_with_public_id(
        s,
        "wbd_server_groups",
        "group_id",
        now,
        "INSERT INTO wbd_server_groups (group_id, member_no, name, created_at) VALUES (?, ?, ?, ?)",
        [member_no, name, now],
    )
    return ServerGroup(group_id=group_id, member_no=member_no, name=name, created_at=now)


def delete_group(s: Session, member_no: int, group_id: str, now: int) -> bool:
    row = s.fetchone(
        "UPDATE wbd_server_groups SET deleted_at = ? "
        "WHERE member_no = ? AND group_id = ? AND deleted_at IS NULL RETURNING id",
        (now, member_no, group_id),
    )
    if row is None:
        return False
    s.execute(
        "UPDATE wbd_servers SET group_id = NULL WHERE member_no = ? AND group_id = ?", (member_no, group_id)
    )
    return True


_SERVER_SELECT = (
    "SELECT s.instance_no, s.member_no, s.server_name, s.host_name, s.ip_address, s.agent_status, "
    "s.memo, s.created_at, g.group_id, g.member_no, g.name, g.created_at, g.deleted_at "
    "FROM wbd_servers s LEFT JOIN wbd_server_groups g ON g.group_id = s.group_id "
)


def _server(r: Row) -> Server:
    group = _group(r[8:13]) if r[8] is not None else None
    return Server(
        instance_no=r[0],
        member_no=int(r[1]),
        server_name=r[2],
        host_name=r[3],
        ip_address=r[4],
        agent_status=AgentStatus(r[5]),
        memo=r[6],
        created_at=int(r[7]),
        group=group,
    )


def servers(s: Session, member_no: int) -> list[Server]:
    rows = s.fetchall(
        _SERVER_SELECT + "WHERE s.member_no = ? ORDER BY s.created_at DESC, s.id DESC", (member_no,)
    )
    return [_server(r) for r in rows]


def server(s: Session, member_no: int, instance_no: str) -> Server | None:
    row = s.fetchone(_SERVER_SELECT + "WHERE s.member_no = ? AND s.instance_no = ?", (member_no, instance_no))
    return _server(row) if row else None


def save_server(s: Session, srv: Server) -> None:
    """Insert or replace a server (by account and instance number)."""
    s.execute(
        "INSERT INTO wbd_servers (member_no, instance_no, server_name, host_name, ip_address, group_id, "
        "agent_status, memo, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (member_no, instance_no) DO UPDATE SET server_name = excluded.server_name, "
        "host_name = excluded.host_name, ip_address = excluded.ip_address, group_id = excluded.group_id, "
        "agent_status = excluded.agent_status, memo = excluded.memo",
        (
            srv.member_no,
            srv.instance_no,
            srv.server_name,
            srv.host_name,
            srv.ip_address,
            srv.group.group_id if srv.group else None,
            srv.agent_status.value,
            srv.memo,
            srv.created_at,
        ),
    )


# -- exception rules

_RULE_FIELDS = [
    "rule_id",
    "member_no",
    "name",
    "target_type",
    "target",
    "target_name",
    *[col for name in MATCH_FIELDS for col in (name, f"{name}_condition")],
    "memo",
    "disabled",
    "created_at",
    "updated_at",
    "deleted_at",
]
_RULE_SELECT = (
    f"SELECT {', '.join('r.' + c for c in _RULE_FIELDS)}, g.deleted_at, g.group_id "
    "FROM wbd_exception_rules r LEFT JOIN wbd_server_groups g "
    "ON r.target_type = 'serverGroup' AND g.group_id = r.target "
)


def _rule(r: Row) -> ExceptionRule:
    values = dict(zip(_RULE_FIELDS, r, strict=False))
    target_type = TargetType(values["target_type"])
    group_is_deleted = None
    if target_type is TargetType.SERVER_GROUP:
        group_is_deleted = r[len(_RULE_FIELDS) + 1] is None or r[len(_RULE_FIELDS)] is not None
    return ExceptionRule(
        rule_id=values["rule_id"],
        member_no=int(values["member_no"]),
        name=values["name"],
        target=RuleTarget(target_type, values["target"]),
        target_name=values["target_name"],
        conditions=RuleConditions(
            **{
                name: FieldCondition(values[name], Condition(values[f"{name}_condition"]))
                for name in MATCH_FIELDS
            }
        ),
        memo=values["memo"],
        disabled=bool(values["disabled"]),
        created_at=int(values["created_at"]),
        updated_at=int(values["updated_at"]),
        deleted_at=values["deleted_at"],
        group_is_deleted=group_is_deleted,
    )


def _rule_params(rule: ExceptionRule) -> list[Any]:
    conditions = [v for _, fc in rule.conditions.items() for v in (fc.value, fc.condition.value)]
    return [
        rule.member_no,
        rule.name,
        rule.target.type.value,
        rule.target.ident,
        rule.target_name,
        *conditions,
        rule.memo,
        rule.disabled,
        rule.created_at,
        rule.updated_at,
        rule.deleted_at,
    ]


def rules(s: Session, member_no: int) -> list[ExceptionRule]:
    rows = s.fetchall(_RULE_SELECT + "WHERE r.member_no = ? ORDER BY r.id", (member_no,))
    return [_rule(r) for r in rows]


def rule(s: Session, member_no: int, rule_id: str) -> ExceptionRule | None:
    row = s.fetchone(_RULE_SELECT + "WHERE r.member_no = ? AND r.rule_id = ?", (member_no, rule_id))
    return _rule(row) if row else None


def insert_rule(s: Session, new: ExceptionRule) -> str:
    columns = _RULE_FIELDS
    sql = f"INSERT INTO wbd_exception_rules ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
    return insert_with_public_id(s, "wbd_exception_rules", "rule_id", new.created_at, sql, _rule_params(new))


def update_rule(s: Session, changed: ExceptionRule) -> None:
    columns = _RULE_FIELDS[1:]
    assignments = ", ".join(f"{c} = ?" for c in columns)
    s.execute(
        f"UPDATE wbd_exception_rules SET {assignments} WHERE member_no = ? AND rule_id = ?",
        [*_rule_params(changed), changed.member_no, changed.rule_id],
    )


# -- audit trail


def _snapshot(r: ExceptionRule | None) -> str | None:
    if r is None:
        return None
    return orjson.dumps(
        {
            "rule_id": r.rule_id,
            "member_no": r.member_no,
            "name": r.name,
            "target_type": r.target.type.value,
            "target": r.target.ident,
            "target_name": r.target_name,
            "conditions": {n: [fc.value, fc.condition.value] for n, fc in r.conditions.items()},
            "memo": r.memo,
            "disabled": r.disabled,
            "created_at": r.created_at,
            "updated_at": r.updated_at,
            "deleted_at": r.deleted_at,
            "group_is_deleted": r.group_is_deleted,
        }
    ).decode()


def _from_snapshot(text: str | None) -> ExceptionRule | None:
    if text is None:
        return None
    d = orjson.loads(text)
    return ExceptionRule(
        rule_id=d["rule_id"],
        member_no=d["member_no"],
        name=d["name"],
        target=RuleTarget(TargetType(d["target_type"]), d["target"]),
        target_name=d["target_name"],
        conditions=RuleConditions(
            **{n: FieldCondition(v, Condition(c)) for n, (v, c) in d["conditions"].items()}
        ),
        memo=d["memo"],
        disabled=d["disabled"],
        created_at=d["created_at"],
        updated_at=d["updated_at"],
        deleted_at=d["deleted_at"],
        group_is_deleted=d["group_is_deleted"],
    )


def add_history(s: Session, member_no: int, change: RuleChange) -> None:
    s.execute(
        "INSERT INTO wbd_rule_history (rule_id, member_no, time, actor, access_key, action, before, after) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (
            change.rule_id,
            member_no,
            change.time,
            change.actor.name,
            change.actor.access_key,
            change.action,
            _snapshot(change.before),
            _snapshot(change.after),
        ),
    )


def history(s: Session, member_no: int, rule_id: str) -> list[RuleChange]:
    rows = s.fetchall(
        "SELECT rule_id, time, actor, access_key, action, before, after FROM wbd_rule_history "
        "WHERE member_no = ? AND rule_id = ? ORDER BY id",
        (member_no, rule_id),
    )
    return [
        RuleChange(
            rule_id=r[0],
            time=int(r[1]),
            actor=Actor(r[2], r[3]),
            action=r[4],
            before=_from_snapshot(r[5]),
            after=_from_snapshot(r[6]),
        )
        for r in rows
    ]
