"""The README's first-request example, run as written against `secmon serve`."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import orjson
import pytest

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _readme_example() -> str:
    text = (ROOT / "README.md").read_text()
    match = re.search(r"<!-- readme-example:start -->\s*```sh\n(.*?)```", text, re.S)
    assert match, "README lost its example"
    return match.group(1)


@pytest.mark.skipif(not (shutil.which("curl") and shutil.which("openssl")), reason="needs curl and openssl")
def test_readme_curl_example_works(tmp_path: Path) -> None:
    port = _free_port()
    venv = Path(sys.executable).parent.parent
    (tmp_path / ".venv").symlink_to(venv)
    env = {
        **os.environ,
        "SECMON_DB": f"sqlite:///{tmp_path}/secmon.db",
        "SECMON_KEY_FILE": str(tmp_path / "master.key"),
    }
    server = subprocess.Popen(
        [str(venv / "bin" / "secmon"), "serve", "--port", str(port)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/secmon/v1/health").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert server.poll() is None, server.stderr.read() if server.stderr else ""
            assert time.monotonic() < deadline, "secmon serve did not come up"
            time.sleep(0.1)
        script = _readme_example().replace("127.0.0.1:8080", f"127.0.0.1:{port}")
        result = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", script],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        answer = orjson.loads(result.stdout.strip().splitlines()[-1])
        assert answer["returnCode"] == 0
        assert answer["totalRows"] == 1
        item = answer["ipsDataList"][0]
        assert item["eventNm"].startswith("Deep Security Apache Log4j")
        assert item["region"] == "Korea"
        assert item["attackerPort"] == "51185"
    finally:
        server.terminate()
        server.wait(timeout=10)
    # Structured access logs: one JSON line per request, never a secret or signature.
    log = server.stderr.read().decode() if server.stderr else ""
    secret = orjson.loads((tmp_path / "acme-key.json").read_bytes())["secretKey"]
    access_lines = [orjson.loads(line) for line in log.splitlines() if line.startswith("{")]
    request_line = next(e for e in access_lines if e.get("path") == "/vsecuritymonitoring/v1/getIPSList")
    assert request_line["status"] == 200
    assert request_line["method"] == "POST"
    assert len(request_line["access_key"]) == 20
    assert secret not in log
    assert "signature" not in log.lower()
