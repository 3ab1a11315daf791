"""Typed request arguments: the enums the APIs accept and the keyword filters of each
operation, in snake_case. `_operations` translates them to the cloud's names.

Times may be given as epoch milliseconds or as `datetime` (naive means UTC).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from enum import StrEnum
from typing import Required, TypedDict

__all__ = [
    "ActionStatus",
    "AgentStatus",
    "Ancestor",
    "Condition",
    "DetectionFilters",
    "IpsFilters",
    "NotificationInterval",
    "Order",
    "Platform",
    "ProcessEvent",
    "RuleChanges",
    "RuleFields",
    "RuleFilters",
    "ServerFilters",
    "TargetType",
    "TimeArg",
    "epoch_ms",
]

TimeArg = int | datetime


class Platform(StrEnum):
    """SM picks the path (/vsecuritymonitoring vs /securitymonitoring); WBD sends a header."""

    VPC = "VPC"
    CLASSIC = "CLASSIC"


class Order(StrEnum):
    ASC = "asc"
    DESC = "desc"


class Condition(StrEnum):
    """How an exception rule compares one process field."""

    EQUAL = "EQUAL"
    START = "START"
    END = "END"
    NOT_USE = "NOT_USE"


class TargetType(StrEnum):
    SERVER = "server"
    SERVER_GROUP = "serverGroup"
    EVERY_SERVER = "everyServer"


class AgentStatus(StrEnum):
    ENABLE = "enable"
    DISABLE = "disable"
    NOT_INSTALLED = "notInstalled"
    ERROR = "error"
    ACTIVATING = "activating"
    DOWN = "down"


class ActionStatus(StrEnum):
    """Whether someone has looked at a detection (a memo marks it confirmed)."""

    BLANK = "blank"
    CONFIRMED = "confirmed"


class NotificationInterval(StrEnum):
    """UpdateNotificationInterval's names: at most one notification per this long.
    GetNotificationInterval reports the setting in milliseconds (`ms`, `from_ms`)."""

    ONE_MIN = "one_min"
    TWO_MIN = "two_min"
    THREE_MIN = "three_min"
    FOUR_MIN = "four_min"
    FIVE_MIN = "five_min"
    TEN_MIN = "ten_min"
    THIRTY_MIN = "thirty_min"
    ONE_HOUR = "one_hour"
    THREE_HOUR = "three_hour"
    SIX_HOUR = "six_hour"
    TWELVE_HOUR = "twelve_hour"
    TWENTY_FOUR_HOUR = "twenty_four_hour"

    @property
    def ms(self) -> int:
        """Its length in milliseconds."""
        return _INTERVAL_MS[self.value]

    @classmethod
    def from_ms(cls, ms: int) -> NotificationInterval | None:
        """The name of a length in milliseconds; None when no name has that length."""
        for name, length in _INTERVAL_MS.items():
            if length == ms:
                return cls(name)
        return None


_MINUTE_MS = 60_000
_INTERVAL_MS: dict[str, int] = {
    "one_min": _MINUTE_MS,
    "two_min": 2 * _MINUTE_MS,
    "three_min": 3 * _MINUTE_MS,
    "four_min": 4 * _MINUTE_MS,
    "five_min": 5 * _MINUTE_MS,
    "ten_min": 10 * _MINUTE_MS,
    "thirty_min": 30 * _MINUTE_MS,
    "one_hour": 60 * _MINUTE_MS,
    "three_hour": 3 * 60 * _MINUTE_MS,
    "six_hour": 6 * 60 * _MINUTE_MS,
    "twelve_hour": 12 * 60 * _MINUTE_MS,
    "twenty_four_hour": 24 * 60 * _MINUTE_MS,
}


def epoch_ms(value: TimeArg) -> int:
    """Epoch milliseconds from an int (taken as is) or a datetime (naive = UTC)."""
    if isinstance(value, datetime):
        aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
        return int(aware.timestamp() * 1000)
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"expected epoch ms (int) or datetime, got {value!r}")
    return value


class IpsFilters(TypedDict, total=False):
    """getIPSList's optional filters."""

    order: Order | str
    #: KR | DEN | JPN | SGN | USWN
    region_code: str
    #: e.g. KR-2 (exact)
    zone_name: str
    #: eventNm: substring, any case
    event_name: str
    #: attackIp: an address (secmon also takes a CIDR block)
    attacker_ip: str
    #: targetIp
    target_ip: str
    #: attackType (Classic)
    attack_type: str
    #: protocol (VPC)
    protocol: str


class RuleFilters(TypedDict, total=False):
    """Filters of SearchExceptionRule and SearchDeletedExceptionRule."""

    created_from: TimeArg
    created_to: TimeArg
    deleted_from: TimeArg
    deleted_to: TimeArg
    #: exceptTarget: the target's instance number or group id (exact)
    target: str
    #: exceptedRuleName: substring, any case
    name: str
    process_name: str
    process_arg: str
    executor: str
    process_name_of_parent: str
    process_arg_of_parent: str
    executor_of_parent: str


class RuleFields(TypedDict, total=False):
    """A rule's optional fields, for create and update. A value without its condition means
    EQUAL on create; `memo=None` clears the memo on update."""

    target: str | None
    process_name: str | None
    process_name_condition: Condition | str
    process_arg: str | None
    process_arg_condition: Condition | str
    executor: str | None
    executor_condition: Condition | str
    process_name_of_parent: str | None
    process_name_of_parent_condition: Condition | str
    process_arg_of_parent: str | None
    process_arg_of_parent_condition: Condition | str
    executor_of_parent: str | None
    executor_of_parent_condition: Condition | str
    memo: str | None
    disabled: bool


class RuleChanges(RuleFields, total=False):
    """What update_rule may change: any rule field, including its name and target type."""

    name: str
    target_type: TargetType | str


class ServerFilters(TypedDict, total=False):
    """Filters of SearchDetectionTarget (substrings, any case; agent_status: any of)."""

    server_name: str
    server_group_name: str
    server_image_name: str
    ip_address: str
    memo: str
    web_root_path: str
    file_upload_path: str
    agent_status: Sequence[AgentStatus | str]


class DetectionFilters(TypedDict, total=False):
    """Filters of SearchWebshell and SearchExceptedWebshell: text filters are substrings
    (any case in secmon); detect_from/detect_to bound detectTime, both inclusive."""

    action_status: ActionStatus | str
    detect_from: TimeArg
    detect_to: TimeArg
    executor: str
    executor_of_parent: str
    host_name: str
    memo: str
    #: privateIPofServer
    private_ip_of_server: str
    process_arg: str
    process_arg_of_parent: str
    process_name: str
    process_name_of_parent: str
    server_name: str
    #: suspiciousIP
    suspicious_ip: str


class Ancestor(TypedDict, total=False):
    """One process above the parent in a ProcessEvent's `ancestors`, nearest first."""

    processName: str
    processArg: str | None
    executor: str | None


class ProcessEvent(TypedDict, total=False):
    """One process execution as an agent reports it (secmon's native format, pushed with
    push_events). Keys are the wire names; `time` is epoch ms (a datetime is converted);
    processArg is the arguments without argv[0]; PIDs are integers."""

    time: Required[TimeArg]
    instanceNo: Required[str]
    processName: Required[str]
    hostName: str | None
    processArg: str | None
    processId: int | None
    executor: str | None
    processNameOfParent: str | None
    processArgOfParent: str | None
    processIdOfParent: int | None
    executorOfParent: str | None
    exePath: str | None
    cwd: str | None
    containerName: str | None
    ancestors: list[Ancestor]
    suspiciousIP: str | None
