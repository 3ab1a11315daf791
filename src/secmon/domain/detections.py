"""Webshell detections: what the detection rules found, excepted or not."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from secmon.domain.process import ProcessEvent

#: Repeats of one behaviour within this window of the first are counted, not stored.
REPEAT_WINDOW_MS = 10 * 60 * 1000


class ActionStatus(StrEnum):
    BLANK = "blank"
    CONFIRMED = "confirmed"


@dataclass(frozen=True, slots=True)
class Detection:
    detection_id: str
    member_no: int
    event: ProcessEvent
    server_name: str | None
    private_ip: str | None
    rule_id: str
    rule_name: str
    severity: int
    action_status: ActionStatus
    memo: str | None
    detect_time: int
    collect_time: int
    last_updated_time: int
    last_seen_time: int
    detect_count: int
    #: Set when the detection sits in the excepted list.
    exception_id: str | None = None
    excepted_rule_id: str | None = None
    excepted_rule_name: str | None = None
    deleted_at: int | None = None

    @property
    def excepted(self) -> bool:
        return self.exception_id is not None


@dataclass(frozen=True, slots=True)
class NewDetection:
    """A detection about to be recorded (ids and repeat counting are the store's job)."""

    member_no: int
    event: ProcessEvent
    server_name: str | None
    private_ip: str | None
    rule_id: str
    rule_name: str
    severity: int
    collect_time: int
    excepted_rule_id: str | None = None
    excepted_rule_name: str | None = None
    excepted: bool = False

    def repeat_key(self) -> tuple[str, ...]:
        e = self.event
        return (
            e.instance_no,
            self.rule_id,
            e.process_name,
            e.process_arg or "",
            e.process_name_of_parent or "",
            "excepted" if self.excepted else "detected",
        )


@dataclass(frozen=True, slots=True)
class DetectionQuery:
    """Search filters; text filters are case-insensitive substrings, times inclusive."""

    action_status: ActionStatus | None = None
    detect_from: int | None = None
    detect_to: int | None = None
    executor: str | None = None
    executor_of_parent: str | None = None
    host_name: str | None = None
    memo: str | None = None
    private_ip: str | None = None
    process_arg: str | None = None
    process_arg_of_parent: str | None = None
    process_name: str | None = None
    process_name_of_parent: str | None = None
    server_name: str | None = None
    suspicious_ip: str | None = None
