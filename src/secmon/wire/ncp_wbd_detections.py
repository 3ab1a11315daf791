"""WBD wire format for detections, excepted detections, process events and the
detection-rule catalogue (field names as the cloud's GetWebshell pages)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from secmon.domain.detections import ActionStatus, Detection, DetectionQuery
from secmon.domain.errors import InvalidInput
from secmon.domain.process import Ancestor, ProcessEvent
from secmon.wire.ncp_wbd import OptionalWireInt, body_object
from secmon.wire.validation import first_problem, reject_bool, reject_nul


def _str(value: int | None) -> str | None:
    return None if value is None else str(value)


def detection_item(d: Detection) -> dict[str, Any]:
    """A detection; PIDs and the instance number are strings, times epoch ms."""
    e = d.event
    item: dict[str, Any] = {
        "detectionId": d.detection_id,
        "instanceNo": e.instance_no,
        "hostName": e.host_name,
        "serverName": d.server_name,
        "containerName": e.container_name,
        "privateIPofServer": d.private_ip,
        "command": e.command,
        "processName": e.process_name,
        "processArg": e.process_arg,
        "processId": _str(e.process_id),
        "executor": e.executor,
        "processIdOfParent": _str(e.process_id_of_parent),
        "processNameOfParent": e.process_name_of_parent,
        "processArgOfParent": e.process_arg_of_parent,
        "executorOfParent": e.executor_of_parent,
        "uid": None,
        "euid": None,
        "gid": None,
        "egid": None,
        "suspiciousIP": e.suspicious_ip,
        "actionStatus": d.action_status.value,
        "memo": d.memo,
        "actionTime": e.time,
        "detectTime": d.detect_time,
        "collectTime": d.collect_time,
        "lastUpdatedTime": d.last_updated_time,
        "ruleId": d.rule_id,
        "ruleName": d.rule_name,
        "severity": d.severity,
        "detectCount": d.detect_count,
    }
    if d.excepted:
        item = {
            "exceptionId": d.exception_id,
            **item,
            "exceptedRuleId": d.excepted_rule_id,
            "exceptedRuleName": d.excepted_rule_name,
        }
    return item


class DetectionSearchRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")

    action_status: str | None = Field(None, alias="actionStatus")
    detect_time_from: OptionalWireInt = Field(None, alias="detectTimeFrom")
    detect_time_to: OptionalWireInt = Field(None, alias="detectTimeTo")
    executor: str | None = None
    executor_of_parent: str | None = Field(None, alias="executorOfParent")
    host_name: str | None = Field(None, alias="hostName")
    memo: str | None = None
    private_ip_of_server: str | None = Field(None, alias="privateIPofServer")
    process_arg: str | None = Field(None, alias="processArg")
    process_arg_of_parent: str | None = Field(None, alias="processArgOfParent")
    process_name: str | None = Field(None, alias="processName")
    process_name_of_parent: str | None = Field(None, alias="processNameOfParent")
    server_name: str | None = Field(None, alias="serverName")
    suspicious_ip: str | None = Field(None, alias="suspiciousIP")


def _blank(value: str | None) -> str | None:
    return value if value is not None and value.strip() else None


def _bound(value: int | None, name: str) -> int | None:
    if value is None or value == 0:  # the cloud's own example sends 0 for "no bound"
        return None
    if value < 0:
        raise InvalidInput(name, "must not be negative")
    return value


def parse_detection_search(raw: Any) -> DetectionQuery:
    try:
        req = DetectionSearchRequest.model_validate(body_object(raw))
    except ValidationError as exc:
        raise first_problem(exc) from None
    status = _blank(req.action_status)
    if status is not None and status not in {s.value for s in ActionStatus}:
        raise InvalidInput("actionStatus", f"must be confirmed or blank, got {status!r}")
    low = _bound(req.detect_time_from, "detectTimeFrom")
    high = _bound(req.detect_time_to, "detectTimeTo")
    if low is not None and high is not None and low > high:
        raise InvalidInput("detectTimeFrom", "must not be after detectTimeTo")
    return DetectionQuery(
        action_status=ActionStatus(status) if status else None,
        detect_from=low,
        detect_to=high,
        executor=_blank(req.executor),
        executor_of_parent=_blank(req.executor_of_parent),
        host_name=_blank(req.host_name),
        memo=_blank(req.memo),
        private_ip=_blank(req.private_ip_of_server),
        process_arg=_blank(req.process_arg),
        process_arg_of_parent=_blank(req.process_arg_of_parent),
        process_name=_blank(req.process_name),
        process_name_of_parent=_blank(req.process_name_of_parent),
        server_name=_blank(req.server_name),
        suspicious_ip=_blank(req.suspicious_ip),
    )


# -- native process events (what agents push, and `secmon wbd ingest native`)

_Id = Annotated[
    str, BeforeValidator(lambda v: str(v) if isinstance(v, int) and not isinstance(v, bool) else v)
]
_Pid = Annotated[int | None, BeforeValidator(reject_bool)]


class _AncestorRecord(BaseModel):
    model_config = ConfigDict(extra="ignore")

    process_name: str | None = Field(None, alias="processName")
    process_arg: str | None = Field(None, alias="processArg")
    executor: str | None = None


class ProcessEventRecord(BaseModel):
    model_config = ConfigDict(extra="ignore")

    time: Annotated[int, BeforeValidator(reject_bool)]
    instance_no: _Id = Field(alias="instanceNo", min_length=1)
    host_name: str | None = Field(None, alias="hostName")
    process_name: str = Field(alias="processName", min_length=1)
    process_arg: str | None = Field(None, alias="processArg")
    process_id: _Pid = Field(None, alias="processId")
    executor: str | None = None
    process_name_of_parent: str | None = Field(None, alias="processNameOfParent")
    process_arg_of_parent: str | None = Field(None, alias="processArgOfParent")
    process_id_of_parent: _Pid = Field(None, alias="processIdOfParent")
    executor_of_parent: str | None = Field(None, alias="executorOfParent")
    exe_path: str | None = Field(None, alias="exePath")
    cwd: str | None = None
    container_name: str | None = Field(None, alias="containerName")
    ancestors: list[_AncestorRecord] = Field(default_factory=list)
    suspicious_ip: str | None = Field(None, alias="suspiciousIP")


def parse_process_event(raw: Any) -> ProcessEvent:
    if not isinstance(raw, dict):
        raise InvalidInput("record", "must be a JSON object")
    reject_nul(raw)
    try:
        rec = ProcessEventRecord.model_validate(raw)
    except ValidationError as exc:
        raise first_problem(exc) from None
    if not 0 <= rec.time <= 2**63 - 1:
        raise InvalidInput("time", "must be an epoch time in ms (0 to 2^63-1)")
    for name, pid in (("processId", rec.process_id), ("processIdOfParent", rec.process_id_of_parent)):
        if pid is not None and not 0 <= pid <= 2**63 - 1:
            raise InvalidInput(name, "must be a process id (0 to 2^63-1)")
    return ProcessEvent(
        time=rec.time,
        instance_no=rec.instance_no,
        host_name=rec.host_name,
        process_name=rec.process_name,
        process_arg=rec.process_arg,
        process_id=rec.process_id,
        executor=rec.executor,
        process_name_of_parent=rec.process_name_of_parent,
        process_arg_of_parent=rec.process_arg_of_parent,
        process_id_of_parent=rec.process_id_of_parent,
        executor_of_parent=rec.executor_of_parent,
        exe_path=rec.exe_path,
        cwd=rec.cwd,
        container_name=rec.container_name,
        ancestors=tuple(Ancestor(a.process_name, a.process_arg, a.executor) for a in rec.ancestors),
        suspicious_ip=rec.suspicious_ip,
    )


def detection_rule_item(
    rule_id: str, name: str, severity: int, description: str, references: tuple[str, ...], enabled: bool
) -> dict[str, Any]:
    return {
        "ruleId": rule_id,
        "ruleName": name,
        "severity": severity,
        "description": description,
        "references": list(references),
        "enabled": enabled,
    }


def parse_days(raw: dict[str, Any]) -> int:
    days = raw.get("days", 7)
    if isinstance(days, bool) or not isinstance(days, int | str):
        raise InvalidInput("days", "must be an integer")
    try:
        return int(days)
    except ValueError:
        raise InvalidInput("days", f"must be an integer, got {days!r}") from None
