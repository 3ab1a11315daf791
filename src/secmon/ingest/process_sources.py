"""Process-execution events from Falco JSON alerts and Sysmon for Linux (Event ID 1).

Both are mapped onto the same ProcessEvent: `process_name` is the name the kernel
reports (argv[0]'s base name, as Falco's proc.name), `exe_path` the resolved binary,
`process_arg` the command line without argv[0]. Neither format carries a cloud
instance number; the caller supplies one (or the host name stands in for it).
"""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime
from typing import Any

from secmon.domain.errors import InvalidInput
from secmon.domain.process import Ancestor, ProcessEvent
from secmon.wire.validation import reject_nul


class NotAnExecEvent(Exception):
    """A well-formed record that is not a process start (counted as skipped)."""


def split_command(command: str | None) -> tuple[str | None, str | None]:
    """`bash -c ls` → (`bash`, `-c ls`): argv[0] and the arguments as written."""
    if command is None or not command.strip():
        return None, None
    parts = command.strip().split(None, 1)
    return parts[0], (parts[1] if len(parts) > 1 else None)


def _basename(path: str | None) -> str | None:
    return path.rsplit("/", 1)[-1] if path else None


def _iso_to_ms(text: str) -> int:
    # Falco writes nanoseconds; Python parses microseconds at most.
    match = re.match(r"^(.*?T\d\d:\d\d:\d\d)(\.\d+)?(Z|[+-]\d\d:?\d\d)?$", text.strip())
    if not match:
        raise InvalidInput("time", f"not an ISO 8601 time: {text!r}")
    head, fraction, zone = match.groups()
    micro = (fraction or ".0")[1:7].ljust(6, "0")
    stamp = datetime.fromisoformat(f"{head}.{micro}{'+00:00' if zone in (None, 'Z') else zone}")
    return int(stamp.astimezone(UTC).timestamp() * 1000)


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def parse_falco(record: Any, instance_no: str | None = None) -> ProcessEvent:
    """A Falco JSON alert (json_output: true) for an execve → ProcessEvent."""
    if not isinstance(record, dict):
        raise InvalidInput("record", "must be a JSON object")
    reject_nul(record)
    fields = record.get("output_fields")
    if not isinstance(fields, dict):
        raise InvalidInput("output_fields", "is required")
    if fields.get("evt.type") not in ("execve", "execveat"):
        raise NotAnExecEvent
    name = fields.get("proc.name")
    if not isinstance(name, str) or not name:
        raise InvalidInput("output_fields.proc.name", "is required")
    time_text = record.get("time")
    if isinstance(time_text, str):
        time_ms = _iso_to_ms(time_text)
    elif isinstance(fields.get("evt.time"), int):
        time_ms = fields["evt.time"] // 1_000_000
    else:
        raise InvalidInput("time", "is required")
    _, args = split_command(fields.get("proc.cmdline"))
    _, parent_args = split_command(fields.get("proc.pcmdline"))
    ancestors = []
    for level in range(2, 8):
        ancestor = fields.get(f"proc.aname[{level}]")
        if not isinstance(ancestor, str) or not ancestor or ancestor == "<NA>":
            break
        ancestors.append(Ancestor(process_name=ancestor))
    host = record.get("hostname") if isinstance(record.get("hostname"), str) else None
    target = instance_no or host
    if not target:
        raise InvalidInput("hostname", "is required when no instance number is given")
    return ProcessEvent(
        time=time_ms,
        instance_no=target,
        host_name=host,
        process_name=name,
        process_arg=args,
        executor=fields.get("user.name"),
        process_id=_int(fields.get("proc.pid")),
        process_name_of_parent=fields.get("proc.pname"),
        process_arg_of_parent=parent_args,
        process_id_of_parent=_int(fields.get("proc.ppid")),
        exe_path=fields.get("proc.exepath"),
        cwd=fields.get("proc.cwd"),
        container_name=fields.get("container.name"),
        ancestors=tuple(ancestors),
    )


_DATA = re.compile(r'<Data Name="([A-Za-z]+)">(.*?)</Data>', re.S)
_EVENT_ID = re.compile(r"<EventID>(\d+)</EventID>")
_COMPUTER = re.compile(r"<Computer>(.*?)</Computer>")


def parse_sysmon(line: str, instance_no: str | None = None) -> ProcessEvent:
    """A Sysmon for Linux syslog line holding one <Event> → ProcessEvent (Event ID 1 only).

    The event's flat <Data Name=...> elements are read with a pattern rather than an
    XML parser: no entity expansion, nothing fetched, and the format is fixed.
    """
    start = line.find("<Event>")
    if start < 0:
        raise InvalidInput("line", "holds no Sysmon <Event>")
    xml = line[start:]
    event_id = _EVENT_ID.search(xml)
    if event_id is None:
        raise InvalidInput("EventID", "is missing")
    if event_id.group(1) != "1":
        raise NotAnExecEvent
    data = {key: html.unescape(value) for key, value in _DATA.findall(xml)}
    reject_nul(data)

    def value(key: str) -> str | None:
        text = data.get(key)
        return None if text in (None, "", "-") else text

    image = value("Image")
    if image is None:
        raise InvalidInput("Image", "is required")
    argv0, args = split_command(value("CommandLine"))
    parent_argv0, parent_args = split_command(value("ParentCommandLine"))
    utc = value("UtcTime")
    if utc is None:
        raise InvalidInput("UtcTime", "is required")
    try:
        stamp = datetime.strptime(utc, "%Y-%m-%d %H:%M:%S.%f").replace(tzinfo=UTC)
    except ValueError:
        raise InvalidInput("UtcTime", f"not a Sysmon time: {utc!r}") from None
    computer = _COMPUTER.search(xml)
    host = html.unescape(computer.group(1)) if computer else None
    target = instance_no or host
    if not target:
        raise InvalidInput("Computer", "is required when no instance number is given")
    return ProcessEvent(
        time=int(stamp.timestamp() * 1000),
        instance_no=target,
        host_name=host,
        process_name=_basename(argv0) or _basename(image) or image,
        process_arg=args,
        executor=value("User"),
        process_id=_int(value("ProcessId")),
        process_name_of_parent=_basename(parent_argv0) or _basename(value("ParentImage")),
        process_arg_of_parent=parent_args,
        executor_of_parent=value("ParentUser"),
        process_id_of_parent=_int(value("ParentProcessId")),
        exe_path=image,
        cwd=value("CurrentDirectory"),
    )
