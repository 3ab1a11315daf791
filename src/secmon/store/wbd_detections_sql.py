"""SQL for webshell detections (and excepted detections), shared by both backends."""

from __future__ import annotations

import hashlib
from typing import Any

from secmon.domain.detections import ActionStatus, Detection, DetectionQuery, NewDetection
from secmon.domain.ids import public_id
from secmon.domain.process import ProcessEvent
from secmon.store.session import Row, Session

_COLUMNS = [
    "detection_id",
    "exception_id",
    "member_no",
    "instance_no",
    "host_name",
    "server_name",
    "container_name",
    "private_ip",
    "process_name",
    "process_arg",
    "executor",
    "process_id",
    "process_name_of_parent",
    "process_arg_of_parent",
    "executor_of_parent",
    "process_id_of_parent",
    "exe_path",
    "cwd",
    "suspicious_ip",
    "rule_id",
    "rule_name",
    "severity",
    "excepted_rule_id",
    "excepted_rule_name",
    "action_status",
    "memo",
    "action_time",
    "detect_time",
    "collect_time",
    "last_updated_time",
    "last_seen_time",
    "detect_count",
    "repeat_key",
    "deleted_at",
]
SELECT = f"SELECT id, {', '.join(_COLUMNS)} FROM wbd_detections "


def detection_of(r: Row) -> Detection:
    v = dict(zip(_COLUMNS, r[1:], strict=True))
    event = ProcessEvent(
        time=int(v["action_time"]),
        instance_no=v["instance_no"],
        host_name=v["host_name"],
        container_name=v["container_name"],
        process_name=v["process_name"],
        process_arg=v["process_arg"],
        executor=v["executor"],
        process_id=v["process_id"],
        process_name_of_parent=v["process_name_of_parent"],
        process_arg_of_parent=v["process_arg_of_parent"],
        executor_of_parent=v["executor_of_parent"],
        process_id_of_parent=v["process_id_of_parent"],
        exe_path=v["exe_path"],
        cwd=v["cwd"],
        suspicious_ip=v["suspicious_ip"],
    )
    return Detection(
        detection_id=v["detection_id"],
        member_no=int(v["member_no"]),
        event=event,
        server_name=v["server_name"],
        private_ip=v["private_ip"],
        rule_id=v["rule_id"],
        rule_name=v["rule_name"],
        severity=int(v["severity"]),
        action_status=ActionStatus(v["action_status"]),
        memo=v["memo"],
        detect_time=int(v["detect_time"]),
        collect_time=int(v["collect_time"]),
        last_updated_time=int(v["last_updated_time"]),
        last_seen_time=int(v["last_seen_time"]),
        detect_count=int(v["detect_count"]),
        exception_id=v["exception_id"],
        excepted_rule_id=v["excepted_rule_id"],
        excepted_rule_name=v["excepted_rule_name"],
        deleted_at=v["deleted_at"],
    )


def repeat_key(new: NewDetection) -> str:
    return hashlib.sha1("\x1f".join(new.repeat_key()).encode(), usedforsecurity=False).hexdigest()


def _params(d: Detection, key: str) -> list[Any]:
    e = d.event
    return [
        d.detection_id,
        d.exception_id,
        d.member_no,
        e.instance_no,
        e.host_name,
        d.server_name,
        e.container_name,
        d.private_ip,
        e.process_name,
        e.process_arg,
        e.executor,
        e.process_id,
        e.process_name_of_parent,
        e.process_arg_of_parent,
        e.executor_of_parent,
        e.process_id_of_parent,
        e.exe_path,
        e.cwd,
        e.suspicious_ip,
        d.rule_id,
        d.rule_name,
        d.severity,
        d.excepted_rule_id,
        d.excepted_rule_name,
        d.action_status.value,
        d.memo,
        e.time,
        d.detect_time,
        d.collect_time,
        d.last_updated_time,
        d.last_seen_time,
        d.detect_count,
        key,
        d.deleted_at,
    ]


def record(s: Session, new: NewDetection, window_ms: int) -> tuple[Detection, bool]:
    """Store a detection, or count it on a live repeat within the window.

    Returns the stored detection and whether it is new.
    """
    key = repeat_key(new)
    t = new.event.time
    row = s.fetchone(
        SELECT + "WHERE member_no = ? AND repeat_key = ? AND detect_time BETWEEN ? AND ? "
        "AND deleted_at IS NULL ORDER BY detect_time LIMIT 1",
        (new.member_no, key, t - window_ms, t + window_ms),
    )
    if row is not None:
        s.execute(
            "UPDATE wbd_detections SET detect_count = detect_count + 1, "
            "last_seen_time = CASE WHEN last_seen_time < ? THEN ? ELSE last_seen_time END, "
            "last_updated_time = ? WHERE id = ?",
            (t, t, new.collect_time, row[0]),
        )
        updated = s.fetchone(SELECT + "WHERE id = ?", (row[0],))
        assert updated is not None
        return detection_of(updated), False
    draft = Detection(
        detection_id="",
        member_no=new.member_no,
        event=new.event,
        server_name=new.server_name,
        private_ip=new.private_ip,
        rule_id=new.rule_id,
        rule_name=new.rule_name,
        severity=new.severity,
        action_status=ActionStatus.BLANK,
        memo=None,
        detect_time=t,
        collect_time=new.collect_time,
        last_updated_time=new.collect_time,
        last_seen_time=t,
        detect_count=1,
        excepted_rule_id=new.excepted_rule_id,
        excepted_rule_name=new.excepted_rule_name,
    )
    params = _params(draft, key)
    params[0] = f"pending-{key}-{t}"
    inserted = s.fetchone(
        f"INSERT INTO wbd_detections ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' * len(_COLUMNS))}) "
        "RETURNING id",
        params,
    )
    assert inserted is not None
    ident = int(inserted[0])
    detection_id = public_id(t, ident)
    exception_id = public_id(new.collect_time, ident) if new.excepted else None
    s.execute(
        "UPDATE wbd_detections SET detection_id = ?, exception_id = ? WHERE id = ?",
        (detection_id, exception_id, ident),
    )
    stored = s.fetchone(SELECT + "WHERE id = ?", (ident,))
    assert stored is not None
    return detection_of(stored), True


def save(s: Session, d: Detection) -> None:
    """Write back the mutable parts of a detection (memo, status, exception, deletion)."""
    s.execute(
        "UPDATE wbd_detections SET exception_id = ?, excepted_rule_id = ?, excepted_rule_name = ?, "
        "action_status = ?, memo = ?, last_updated_time = ?, deleted_at = ? "
        "WHERE member_no = ? AND detection_id = ?",
        (
            d.exception_id,
            d.excepted_rule_id,
            d.excepted_rule_name,
            d.action_status.value,
            d.memo,
            d.last_updated_time,
            d.deleted_at,
            d.member_no,
            d.detection_id,
        ),
    )


def find(s: Session, member_no: int, ident: str) -> Detection | None:
    """A live detection by its detection id or (for excepted ones) its exception id."""
    row = s.fetchone(
        SELECT + "WHERE member_no = ? AND (detection_id = ? OR exception_id = ?) AND deleted_at IS NULL",
        (member_no, ident, ident),
    )
    return detection_of(row) if row else None


_TEXT_FILTERS = {
    "executor": "executor",
    "executor_of_parent": "executor_of_parent",
    "host_name": "host_name",
    "memo": "memo",
    "private_ip": "private_ip",
    "process_arg": "process_arg",
    "process_arg_of_parent": "process_arg_of_parent",
    "process_name": "process_name",
    "process_name_of_parent": "process_name_of_parent",
    "server_name": "server_name",
    "suspicious_ip": "suspicious_ip",
}


def _like(needle: str) -> str:
    escaped = needle.lower().replace("!", "!!").replace("%", "!%").replace("_", "!_")
    return f"%{escaped}%"


def search(
    s: Session, member_no: int, query: DetectionQuery, excepted: bool, offset: int, limit: int
) -> tuple[int, list[Detection]]:
    where = ["member_no = ?", "deleted_at IS NULL", f"exception_id IS {'NOT ' if excepted else ''}NULL"]
    params: list[Any] = [member_no]
    if query.action_status is not None:
        where.append("action_status = ?")
        params.append(query.action_status.value)
    if query.detect_from is not None:
        where.append("detect_time >= ?")
        params.append(query.detect_from)
    if query.detect_to is not None:
        where.append("detect_time <= ?")
        params.append(query.detect_to)
    for attr, column in _TEXT_FILTERS.items():
        needle = getattr(query, attr)
        if needle is not None:
            # lower() on both sides: case-insensitive on both backends (SQLite: ASCII letters).
            where.append(f"lower({column}) LIKE ? ESCAPE '!'")
            params.append(_like(needle))
    clause = " AND ".join(where)
    count = s.fetchone(f"SELECT count(*) FROM wbd_detections WHERE {clause}", params)
    rows = s.fetchall(
        SELECT + f"WHERE {clause} ORDER BY detect_time DESC, id DESC LIMIT ? OFFSET ?",
        [*params, limit, offset],
    )
    return (int(count[0]) if count else 0), [detection_of(r) for r in rows]


def since(s: Session, member_no: int, start: int) -> list[Detection]:
    rows = s.fetchall(
        SELECT + "WHERE member_no = ? AND deleted_at IS NULL AND exception_id IS NULL "
        "AND detect_time >= ? ORDER BY detect_time DESC, id DESC",
        (member_no, start),
    )
    return [detection_of(r) for r in rows]


def rule_settings(s: Session, member_no: int) -> dict[str, bool]:
    rows = s.fetchall(
        "SELECT rule_id, enabled FROM wbd_detection_rule_settings WHERE member_no = ?", (member_no,)
    )
    return {r[0]: bool(r[1]) for r in rows}


def set_rule_enabled(s: Session, member_no: int, rule_id: str, enabled: bool) -> None:
    s.execute(
        "INSERT INTO wbd_detection_rule_settings (member_no, rule_id, enabled) VALUES (?, ?, ?) "
        "ON CONFLICT (member_no, rule_id) DO UPDATE SET enabled = excluded.enabled",
        (member_no, rule_id, enabled),
    )


def rules_version(s: Session, member_no: int) -> int:
    row = s.fetchone("SELECT coalesce(max(id), 0) FROM wbd_rule_history WHERE member_no = ?", (member_no,))
    return int(row[0]) if row else 0
