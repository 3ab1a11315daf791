"""Typed results, built from the cloud's JSON. Attributes are snake_case; each names its
wire field explicitly (``Field(alias="eventNm")``); ``to_wire()`` gives the JSON back.

Numbers: getIPSList sends `date`, `attackerPort`, `targetPort` and `detect` as JSON
strings. They become `int` here (so they sort and add up) and turn back into strings
in ``to_wire()``. Identifiers stay strings everywhere (`ticket_id`, the 22-digit WBD
IDs, `instance_no`): they are names, not quantities. Times are epoch milliseconds
(`int`); the `*_at` properties give aware UTC datetimes.

Fields the server sends that this module does not know are kept (``extra="allow"``) and
come back out of ``to_wire()``; a field the server left out stays out (null is not absent).
Enum-like fields accept values newer than this client as plain strings.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Generic, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer

from secmon.client._params import ActionStatus, AgentStatus, Condition, NotificationInterval, TargetType

__all__ = [
    "Detection",
    "DetectionRule",
    "DetectionTarget",
    "ExceptedDetection",
    "ExceptionRule",
    "IpsEvent",
    "IpsPage",
    "NotificationSetting",
    "Page",
    "ProcessReport",
    "RuleChange",
    "RulePreview",
    "Webhook",
]

T = TypeVar("T")


def _to_int(value: Any) -> Any:
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    return value


def _to_str(value: Any) -> Any:
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


def _str_or_none(value: int | None) -> str | None:
    return None if value is None else str(value)


#: An integer that travels as a JSON string.
StrInt = Annotated[int, BeforeValidator(_to_int), PlainSerializer(str, return_type=str, when_used="json")]
OptionalStrInt = Annotated[
    int | None,
    BeforeValidator(_to_int),
    PlainSerializer(_str_or_none, return_type=str | None, when_used="json"),
]
#: An identifier: a string on the wire, even where a server sends a number.
Ident = Annotated[str, BeforeValidator(_to_str)]
OptionalIdent = Annotated[str | None, BeforeValidator(_to_str)]

ConditionValue = Annotated[Condition | str | None, Field(union_mode="left_to_right")]
TargetTypeValue = Annotated[TargetType | str, Field(union_mode="left_to_right")]
AgentStatusValue = Annotated[AgentStatus | str | None, Field(union_mode="left_to_right")]
ActionStatusValue = Annotated[ActionStatus | str | None, Field(union_mode="left_to_right")]


def _utc(ms: int | None) -> datetime | None:
    return None if ms is None else datetime.fromtimestamp(ms / 1000, UTC)


class WireModel(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True, frozen=True)

    def to_wire(self) -> dict[str, Any]:
        """The JSON object as the server sent it (fields it left out stay out)."""
        return self.model_dump(mode="json", by_alias=True, exclude_unset=True)


# -- Security Monitoring


class IpsEvent(WireModel):
    """One `ipsDataList` item of getIPSList."""

    ticket_id: Ident = Field(alias="ticketId")
    date: StrInt = Field(alias="date", description="Detection time, epoch ms")
    product: str | None = Field(None, alias="product")
    event_name: str = Field(alias="eventNm")
    attack_type: str | None = Field(None, alias="attackType")
    attacker_ip: str | None = Field(None, alias="attackerIp")
    attacker_port: OptionalStrInt = Field(None, alias="attackerPort")
    target_ip: str | None = Field(None, alias="targetIp")
    target_port: OptionalStrInt = Field(None, alias="targetPort")
    protocol: str | None = Field(None, alias="protocol")
    detect: OptionalStrInt = Field(None, alias="detect", description="How many alerts this event counts")
    region: str | None = Field(None, alias="region")
    zone_name: str | None = Field(None, alias="zoneName")
    platform: str | None = Field(None, alias="platForm")
    vpc_name: str | None = Field(None, alias="vpcName")

    @property
    def detected_at(self) -> datetime:
        return datetime.fromtimestamp(self.date / 1000, UTC)


class IpsPage(WireModel):
    """One page of getIPSList: `items`, `total` matches in all, the 1-based `page`."""

    return_code: int = Field(alias="returnCode")
    return_message: str | None = Field(None, alias="returnMessage")
    items: list[IpsEvent] = Field(alias="ipsDataList")
    total: int = Field(alias="totalRows")
    page: int = Field(alias="page")


# -- Webshell Behavior Detector


class Page(WireModel, Generic[T]):
    """A WBD paged result: `items`, `total` in all, the 0-based `page_index`."""

    items: list[T] = Field(alias="content")
    total: int = Field(alias="totalCount")
    page_size: int = Field(alias="pageSize")
    page_index: int = Field(alias="pageIndex")
    total_pages: int = Field(alias="totalPages")


class ExceptionRule(WireModel):
    """An exception rule (live or deleted), as the seed's `content` item."""

    disabled: bool | None = Field(None, alias="disabled")
    action_name: str | None = Field(None, alias="actionName")
    permission: str | None = Field(None, alias="permission")
    rule_id: Ident = Field(alias="exceptedRuleId")
    name: str | None = Field(None, alias="exceptedRuleName")
    target_type: TargetTypeValue = Field(alias="exceptTargetType")
    target: OptionalIdent = Field(None, alias="exceptTarget")
    target_name: str | None = Field(None, alias="exceptTargetName")
    process_name: str | None = Field(None, alias="processName")
    process_name_condition: ConditionValue = Field(None, alias="processNameCondition")
    process_arg: str | None = Field(None, alias="processArg")
    process_arg_condition: ConditionValue = Field(None, alias="processArgCondition")
    executor: str | None = Field(None, alias="executor")
    executor_condition: ConditionValue = Field(None, alias="executorCondition")
    process_name_of_parent: str | None = Field(None, alias="processNameOfParent")
    process_name_of_parent_condition: ConditionValue = Field(None, alias="processNameOfParentCondition")
    process_arg_of_parent: str | None = Field(None, alias="processArgOfParent")
    process_arg_of_parent_condition: ConditionValue = Field(None, alias="processArgOfParentCondition")
    executor_of_parent: str | None = Field(None, alias="executorOfParent")
    executor_of_parent_condition: ConditionValue = Field(None, alias="executorOfParentCondition")
    created_time: int | None = Field(None, alias="createdTime")
    deleted_time: int | None = Field(None, alias="deletedTime")
    is_deleted: bool | None = Field(None, alias="isDeleted")
    memo: str | None = Field(None, alias="memo")
    #: An integer in secmon; the cloud's examples also show it as a string.
    member_no: int | str | None = Field(None, alias="memberNo")
    group_is_deleted: bool | None = Field(None, alias="groupIsDeleted")

    @property
    def created_at(self) -> datetime | None:
        return _utc(self.created_time)

    @property
    def deleted_at(self) -> datetime | None:
        return _utc(self.deleted_time)


class RuleChange(WireModel):
    """One entry of a rule's audit trail (secmon extension), oldest first."""

    time: int = Field(alias="time")
    actor: str | None = Field(None, alias="actor")
    access_key: str | None = Field(None, alias="accessKey")
    action: str = Field(alias="action")
    before: ExceptionRule | None = Field(None, alias="before")
    after: ExceptionRule | None = Field(None, alias="after")

    @property
    def at(self) -> datetime:
        return datetime.fromtimestamp(self.time / 1000, UTC)


class DetectionTarget(WireModel):
    """A server watched by the WBD agent (GetDetectionTarget item)."""

    instance_no: Ident = Field(alias="instanceNo")
    server_name: str | None = Field(None, alias="serverName")
    host_name: str | None = Field(None, alias="hostName")
    server_image_name: str | None = Field(None, alias="serverImageName")
    server_status: str | None = Field(None, alias="serverStatus")
    server_type: str | None = Field(None, alias="serverType")
    server_env_type: str | None = Field(None, alias="serverEnvType")
    ip_address: str | None = Field(None, alias="ipAddress")
    agent_status: AgentStatusValue = Field(None, alias="agentStatus")
    server_group_id: OptionalIdent = Field(None, alias="serverGroupId")
    server_group_name: str | None = Field(None, alias="serverGroupName")
    platform: str | None = Field(None, alias="platform")
    was_config_list: list[Any] | None = Field(None, alias="wasConfigList")
    registered_time: int | None = Field(None, alias="registeredTime")
    memo: str | None = Field(None, alias="memo")
    member_no: int | str | None = Field(None, alias="memberNo")

    @property
    def registered_at(self) -> datetime | None:
        return _utc(self.registered_time)


class Detection(WireModel):
    """A webshell detection (GetWebshell / SearchWebshell item): the process that ran, its
    parent, and secmon's verdict (`rule_id`, `rule_name`, `severity`, `detect_count`).

    PIDs, uid/gid and the instance number are strings, as the cloud sends them. `time`
    fields are epoch ms: `action_time` when the process ran, `detect_time` when it was
    detected, `collect_time` when it reached the server.
    """

    detection_id: Ident = Field(alias="detectionId")
    instance_no: OptionalIdent = Field(None, alias="instanceNo")
    host_name: str | None = Field(None, alias="hostName")
    server_name: str | None = Field(None, alias="serverName")
    container_name: str | None = Field(None, alias="containerName")
    private_ip_of_server: str | None = Field(None, alias="privateIPofServer")
    command: str | None = Field(None, alias="command", description="The full command line")
    process_name: str | None = Field(None, alias="processName")
    process_arg: str | None = Field(None, alias="processArg")
    process_id: OptionalIdent = Field(None, alias="processId")
    executor: str | None = Field(None, alias="executor")
    process_id_of_parent: OptionalIdent = Field(None, alias="processIdOfParent")
    process_name_of_parent: str | None = Field(None, alias="processNameOfParent")
    process_arg_of_parent: str | None = Field(None, alias="processArgOfParent")
    executor_of_parent: str | None = Field(None, alias="executorOfParent")
    uid: OptionalIdent = Field(None, alias="uid")
    euid: OptionalIdent = Field(None, alias="euid")
    gid: OptionalIdent = Field(None, alias="gid")
    egid: OptionalIdent = Field(None, alias="egid")
    suspicious_ip: str | None = Field(None, alias="suspiciousIP")
    action_status: ActionStatusValue = Field(None, alias="actionStatus")
    memo: str | None = Field(None, alias="memo")
    action_time: int | None = Field(None, alias="actionTime")
    detect_time: int | None = Field(None, alias="detectTime")
    collect_time: int | None = Field(None, alias="collectTime")
    last_updated_time: int | None = Field(None, alias="lastUpdatedTime")
    rule_id: str | None = Field(None, alias="ruleId", description="secmon: the detection rule that fired")
    rule_name: str | None = Field(None, alias="ruleName")
    severity: int | None = Field(None, alias="severity", description="1 low, 2 medium, 3 high, 4 critical")
    detect_count: int | None = Field(None, alias="detectCount", description="Repeats counted on it")

    @property
    def detected_at(self) -> datetime | None:
        return _utc(self.detect_time)

    @property
    def acted_at(self) -> datetime | None:
        return _utc(self.action_time)

    @property
    def collected_at(self) -> datetime | None:
        return _utc(self.collect_time)

    @property
    def last_updated_at(self) -> datetime | None:
        return _utc(self.last_updated_time)


class _ExceptionId(WireModel):
    """`exceptionId`, first on the wire (a base of ExceptedDetection only for field order)."""

    exception_id: Ident = Field(alias="exceptionId")


class ExceptedDetection(Detection, _ExceptionId):
    """An excepted detection (GetExceptedWebshell item): a Detection with its
    `exception_id` and the exception rule that matched (None when excepted by hand)."""

    excepted_rule_id: OptionalIdent = Field(None, alias="exceptedRuleId")
    excepted_rule_name: str | None = Field(None, alias="exceptedRuleName")


class ProcessReport(WireModel):
    """What secmon did with pushed process events (secmon extension)."""

    accepted: int = Field(alias="accepted", description="Well-formed events, run through detection")
    detections: int = Field(alias="detections", description="New detections")
    excepted: int = Field(alias="excepted", description="New excepted detections")
    repeats: int = Field(alias="repeats", description="Events counted on an existing detection")
    malformed: int = Field(alias="malformed", description="Records refused")


class RulePreview(WireModel):
    """How many live detections of the last N days a candidate rule would have excepted,
    and up to 10 of them (secmon extension)."""

    would_suppress: int = Field(alias="wouldSuppress")
    sample: list[Detection] = Field(alias="sample")


class DetectionRule(WireModel):
    """A built-in detection rule and whether it is on for the account (secmon extension)."""

    rule_id: str = Field(alias="ruleId")
    name: str = Field(alias="ruleName")
    severity: int = Field(alias="severity", description="1 low, 2 medium, 3 high, 4 critical")
    description: str | None = Field(None, alias="description")
    references: list[str] = Field(default_factory=list, alias="references")
    enabled: bool = Field(alias="enabled")


class NotificationSetting(WireModel):
    """The account's notification interval (GetNotificationInterval): at most one summary
    of new detections per `interval_ms` milliseconds. `member_no` is a string, as the
    cloud sends it; `create_time` is the cloud's name (not `createdTime`)."""

    setting_id: Ident = Field(alias="id")
    member_no: OptionalIdent = Field(None, alias="memberNo")
    interval_ms: int = Field(alias="interval", description="The interval, in milliseconds")
    last_send_notification_time: int | None = Field(None, alias="lastSendNotificationTime")
    create_time: int | None = Field(None, alias="createTime")
    last_updated_time: int | None = Field(None, alias="lastUpdatedTime")
    platform: str | None = Field(None, alias="platform")
    is_deleted: bool | None = Field(None, alias="isDeleted")

    @property
    def interval(self) -> NotificationInterval | None:
        """The interval's name (what set_notification_interval takes); None for a length
        that has no name."""
        return NotificationInterval.from_ms(self.interval_ms)

    @property
    def last_sent_at(self) -> datetime | None:
        return _utc(self.last_send_notification_time)

    @property
    def created_at(self) -> datetime | None:
        return _utc(self.create_time)

    @property
    def last_updated_at(self) -> datetime | None:
        return _utc(self.last_updated_time)


class Webhook(WireModel):
    """A webhook target the account's notifications are posted to (secmon extension)."""

    webhook_id: Ident = Field(alias="webhookId")
    url: str = Field(alias="url")
    created_time: int | None = Field(None, alias="createdTime")

    @property
    def created_at(self) -> datetime | None:
        return _utc(self.created_time)
