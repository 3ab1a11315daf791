"""The real Falco and Sysmon samples (../shared/data/real/webshell) parsed and judged."""

from __future__ import annotations

import orjson
import pytest

from secmon.detect.catalog import evaluate
from secmon.domain.errors import InvalidInput
from secmon.ingest.process_sources import NotAnExecEvent, parse_falco, parse_sysmon, split_command
from tests.conftest import REAL_DATA

WEBSHELL = REAL_DATA / "webshell"


def _falco() -> list[dict[str, object]]:
    return [
        orjson.loads(line)
        for line in (WEBSHELL / "falco_execve_alerts_excerpt.jsonl").read_bytes().splitlines()
    ]


def test_falco_httpd_spawning_bash_is_detected() -> None:
    events = [parse_falco(r) for r in _falco()]
    shells = [e for e in events if e.process_name_of_parent == "httpd"]
    assert len(shells) == 2
    for e in shells:
        assert e.process_name == "bash"
        assert e.process_arg == "-c ls > /dev/null"
        assert e.process_arg_of_parent == "--loglevel info run ^helper.RunShell$"
        assert e.executor == "root"
        assert e.exe_path == "/bin/bash"
        assert e.container_name == "elastic-package-service-falco-event-generator-1"
        assert [r.rule_id for r in evaluate(e)] == ["WBD-SH-001"]
    assert shells[0].time == 1715108067767
    assert shells[0].instance_no == "97ade2b595f0"
    assert [a.process_name for a in shells[1].ancestors] == [
        "event-generator",
        "containerd-shim",
        "runc",
        "init",
        "init",
    ]
    others = [e for e in events if e.process_name_of_parent != "httpd"]
    assert {e.process_name for e in others} == {"login", "sh"}
    assert all(evaluate(e) == [] for e in others)


def test_falco_instance_number_can_be_given() -> None:
    assert parse_falco(_falco()[1], instance_no="25000097").instance_no == "25000097"


def test_falco_non_exec_and_broken_records() -> None:
    record = _falco()[0]
    with pytest.raises(NotAnExecEvent):
        parse_falco({**record, "output_fields": {**record["output_fields"], "evt.type": "openat"}})  # type: ignore[dict-item]
    with pytest.raises(InvalidInput):
        parse_falco({"time": "x"})
    with pytest.raises(InvalidInput):
        parse_falco([1])


def test_sysmon_node_spawning_sh_is_detected() -> None:
    line = (WEBSHELL / "sysmon_linux_eid1_node_spawns_sh.log").read_text()
    event = parse_sysmon(line)
    assert event.process_name == "sh"
    assert event.exe_path == "/usr/bin/dash"
    assert event.process_arg == "-c gh auth token"
    assert event.executor == "ubuntu"
    assert event.process_name_of_parent == "node"
    assert event.process_arg_of_parent is None
    assert event.executor_of_parent == "ubuntu"
    assert event.process_id == 1752
    assert event.process_id_of_parent == 1745
    assert event.cwd == "/home/ubuntu/test/test"
    assert event.host_name == event.instance_no == "swachchhanda-ubuntu-wkstn"
    assert event.time == 1780896498790
    assert [r.rule_id for r in evaluate(event)] == ["WBD-SH-001"]


def test_sysmon_other_events_and_garbage() -> None:
    line = (WEBSHELL / "sysmon_linux_eid1_node_spawns_sh.log").read_text()
    with pytest.raises(NotAnExecEvent):
        parse_sysmon(line.replace("<EventID>1</EventID>", "<EventID>3</EventID>"))
    with pytest.raises(InvalidInput):
        parse_sysmon("Jun  8 05:28:19 host sshd[1]: something else")


@pytest.mark.parametrize(
    ("command", "expected"),
    [("bash -c ls", ("bash", "-c ls")), ("node", ("node", None)), ("", (None, None)), (None, (None, None))],
)
def test_split_command(command: str | None, expected: tuple[str | None, str | None]) -> None:
    assert split_command(command) == expected
