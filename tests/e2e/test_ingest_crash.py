"""Killed at random moments and run again, ingest neither loses nor repeats an alert."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import orjson
import pytest

from tests.conftest import TenantFactory
from tests.support.db import scalar

ALERTS = 200_000
SECMON = str(Path(sys.executable).parent / "secmon")


def _write_alerts(path: Path) -> None:
    """Generated EVE alerts: 100 repeating (signature, attacker, target) combinations at
    4 alerts a second, so each repeats every ~25 s: the 60 s window groups 2-3 of them."""
    rng = random.Random(7)
    t0 = 1_720_000_000
    with path.open("wb") as f:
        for i in range(ALERTS):
            combo = rng.randrange(100)
            ts = t0 + i // 4
            f.write(
                orjson.dumps(
                    {
                        "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ts))
                        + f".{i % 1000:03d}+0000",
                        "flow_id": i,
                        "event_type": "alert",
                        "src_ip": f"198.51.{combo // 250}.{combo % 250}",
                        "src_port": 40000 + i % 1000,
                        "dest_ip": f"10.0.{combo % 7}.{combo % 11}",
                        "dest_port": [80, 443, 22][combo % 3],
                        "proto": "TCP",
                        "alert": {
                            "signature": f"ET TEST rule {combo % 40}",
                            "category": "Test",
                            "signature_id": combo,
                            "severity": 2,
                            "action": "allowed",
                        },
                    }
                )
                + b"\n"
            )


@pytest.mark.parametrize("window", [60, 0], ids=["aggregated", "one-event-per-alert"])
def test_sigkill_at_random_moments_then_resume(
    db_url: str, tmp_path: Path, make_tenant: TenantFactory, window: int
) -> None:
    make_tenant("acme")
    eve = tmp_path / "eve.json"
    _write_alerts(eve)
    env = {**os.environ, "SECMON_DB": db_url}
    command = [
        SECMON,
        "ingest",
        "suricata",
        str(eve),
        "--account",
        "acme",
        "--aggregate-window",
        str(window),
        "--json",
    ]
    rng = random.Random(window + len(db_url))
    kills = 0
    for _ in range(4):
        child = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        # A whole run takes about 2 s on SQLite (parsing in a helper process): kill
        # within that, from process start-up to the last batches.
        time.sleep(rng.uniform(0.3, 1.5))
        if child.poll() is None:
            child.send_signal(signal.SIGKILL)
            kills += 1
        child.wait()
    final = subprocess.run(command, env=env, capture_output=True, check=False, timeout=600)
    assert final.returncode == 0, final.stderr
    assert kills >= 1, "no run was killed: the test proved nothing"

    total_detect = int(scalar(db_url, "SELECT sum(detect) FROM ips_events"))
    events = int(scalar(db_url, "SELECT count(*) FROM ips_events"))
    assert total_detect == ALERTS
    if window == 0:
        assert events == ALERTS
    else:
        assert events < ALERTS / 2  # aggregation really happened
    # and running it once more finds nothing new
    again = subprocess.run(command, env=env, capture_output=True, check=True, timeout=600)
    assert orjson.loads(again.stdout) == {"read": 0, "accepted": 0, "skipped": 0, "malformed": 0, "events": 0}
