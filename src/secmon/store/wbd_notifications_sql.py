"""SQL for notification settings and webhook targets, shared by both backends."""

from __future__ import annotations

from secmon.domain.detections import Detection
from secmon.domain.notifications import NotificationSetting, Webhook
from secmon.store import wbd_detections_sql
from secmon.store.session import Row, Session
from secmon.store.wbd_sql import insert_with_public_id


def _setting(r: Row) -> NotificationSetting:
    return NotificationSetting(
        setting_id=r[0],
        member_no=int(r[1]),
        interval_ms=int(r[2]),
        last_sent_time=r[3],
        created_at=int(r[4]),
        updated_at=int(r[5]),
    )


_SETTING = (
    "SELECT setting_id, member_no, interval_ms, last_sent_time, created_at, updated_at "
    "FROM wbd_notification_settings WHERE member_no = ?"
)


def setting(s: Session, member_no: int) -> NotificationSetting | None:
    row = s.fetchone(_SETTING, (member_no,))
    return _setting(row) if row else None


def save_setting(
    s: Session, member_no: int, interval_ms: int, now: int, setting_id: str
) -> NotificationSetting:
    s.execute(
        "INSERT INTO wbd_notification_settings (member_no, setting_id, interval_ms, created_at, updated_at) "
        "VALUES (?, ?, ?, ?, ?) ON CONFLICT (member_no) DO UPDATE SET interval_ms = excluded.interval_ms, "
        "updated_at = excluded.updated_at",
        (member_no, setting_id, interval_ms, now, now),
    )
    row = s.fetchone(_SETTING, (member_no,))
    assert row is not None
    return _setting(row)


def mark_sent(s: Session, member_no: int, sent: int) -> None:
    s.execute(
        "UPDATE wbd_notification_settings SET last_sent_time = ? WHERE member_no = ?", (sent, member_no)
    )


def add_webhook(s: Session, member_no: int, url: str, now: int) -> Webhook:
    webhook_id = insert_with_public_id(
        s,
        "wbd_webhooks",
        "webhook_id",
        now,
        "INSERT INTO wbd_webhooks (webhook_id, member_no, url, created_at) VALUES (?, ?, ?, ?)",
        [member_no, url, now],
    )
    return Webhook(webhook_id, member_no, url, now)


def webhooks(s: Session, member_no: int) -> list[Webhook]:
    rows = s.fetchall(
        "SELECT webhook_id, member_no, url, created_at FROM wbd_webhooks WHERE member_no = ? ORDER BY id",
        (member_no,),
    )
    return [Webhook(r[0], int(r[1]), r[2], int(r[3])) for r in rows]


def delete_webhook(s: Session, member_no: int, webhook_id: str) -> bool:
    row = s.fetchone(
        "DELETE FROM wbd_webhooks WHERE member_no = ? AND webhook_id = ? RETURNING id",
        (member_no, webhook_id),
    )
    return row is not None


def accounts_with_webhooks(s: Session) -> list[int]:
    return [int(r[0]) for r in s.fetchall("SELECT DISTINCT member_no FROM wbd_webhooks ORDER BY member_no")]


def collected(s: Session, member_no: int, after: int | None, until: int) -> list[Detection]:
    """Live, non-excepted detections collected in (after, until], newest first."""
    rows = s.fetchall(
        wbd_detections_sql.SELECT + "WHERE member_no = ? AND deleted_at IS NULL AND exception_id IS NULL "
        "AND collect_time > ? AND collect_time <= ? ORDER BY collect_time DESC, id DESC",
        (member_no, -1 if after is None else after, until),
    )
    return [wbd_detections_sql.detection_of(r) for r in rows]
