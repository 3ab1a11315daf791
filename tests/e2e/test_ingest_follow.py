"""`secmon ingest suricata --follow`: appended lines arrive, rotation and truncation are
survived, and SIGTERM ends it without losing what it committed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import orjson

from tests.conftest import TenantFactory
from tests.support.db import scalar

SECMON = str(Path(sys.executable).parent / "secmon")


def _alerts(start: int, count: int) -> bytes:
    return b"".join(
        orjson.dumps(
            {
                "timestamp": f"2024-07-04T00:{i // 60 % 60:02d}:{i % 60:02d}.000000+0000",
                "event_type": "alert",
                "src_ip": "198.51.100.7",
                "src_port": 40000,
                "dest_ip": "10.0.0.5",
                "dest_port": 1000 + i,  # all distinct: one event each
                "proto": "TCP",
                "alert": {"signature": "ET TEST follow", "category": "Test"},
            }
        )
        + b"\n"
        for i in range(start, start + count)
    )


def _wait_for_events(db_url: str, expected: int, child: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 20
    while True:
        count = scalar(db_url, "SELECT count(*) FROM ips_events") or 0
        if count == expected:
            return
        assert child.poll() is None, "ingest --follow exited early"
        assert time.monotonic() < deadline, f"{count} of {expected} events arrived"
        time.sleep(0.1)


def test_follow_rotation_truncation_and_sigterm(
    db_url: str, tmp_path: Path, make_tenant: TenantFactory
) -> None:
    make_tenant("acme")
    eve = tmp_path / "eve.json"
    eve.write_bytes(_alerts(0, 3))
    env = {**os.environ, "SECMON_DB": db_url}
    command = [SECMON, "ingest", "suricata", str(eve), "--account", "acme", "--follow", "--json"]
    child = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        _wait_for_events(db_url, 3, child)
        with eve.open("ab") as f:
            f.write(_alerts(3, 2))
        _wait_for_events(db_url, 5, child)

        eve.rename(tmp_path / "eve.json.1")  # rotation: rename, then a new file
        eve.write_bytes(_alerts(5, 2))
        _wait_for_events(db_url, 7, child)

        eve.write_bytes(_alerts(7, 1))  # truncated and rewritten, shorter
        _wait_for_events(db_url, 8, child)

        child.send_signal(signal.SIGTERM)
        out, err = child.communicate(timeout=20)
    finally:
        if child.poll() is None:
            child.kill()
    assert child.returncode == 0, err
    assert orjson.loads(out)["accepted"] == 8

    # a new run continues after what was committed: nothing repeated
    with eve.open("ab") as f:
        f.write(_alerts(8, 1))
    again = subprocess.run([c for c in command if c != "--follow"], env=env, capture_output=True, check=True)
    assert orjson.loads(again.stdout)["accepted"] == 1
    assert scalar(db_url, "SELECT count(*) FROM ips_events") == 9
    assert scalar(db_url, "SELECT sum(detect) FROM ips_events") == 9
