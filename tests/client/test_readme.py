"""The README's "Client and CLI" section: its Python example runs as written."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import pytest

from tests.conftest import Tenant

README = Path(__file__).resolve().parents[2] / "README.md"


def _section() -> str:
    text = README.read_text()
    start = text.index("## Client and CLI")
    end = text.index("\n## ", start + 1)
    return text[start:end]


def test_the_section_covers_local_and_cloud_use() -> None:
    section = _section()
    for needle in (
        "SECMON_ENDPOINT=http://127.0.0.1:8080",
        "~/.ncloud/configure",
        "secmon ips list",
        "secmon wbd rules deleted",
        "secmon wbd servers",
        "secmon wbd detections",
        "secmon wbd exceptions",
        "secmon wbd events push",
        "secmon wbd rules preview",
        "secmon wbd detection-rules",
        "secmon wbd notification set",
        "secmon wbd webhooks add",
        "--output",
    ):
        assert needle in section, needle


def test_the_python_example_runs(
    server: str, tenant: Tenant, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    match = re.search(r"```python\n(.*?)```", _section(), re.S)
    assert match, "the section lost its Python example"
    code = match.group(1).replace("http://127.0.0.1:8080", server)
    (tmp_path / ".ncloud").mkdir()
    (tmp_path / ".ncloud" / "configure").write_text(
        f"[prod]\nncloud_access_key_id = {tenant.access_key}\n"
        f"ncloud_secret_access_key = {tenant.secret_key}\n"
    )
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("SECMON_ENDPOINT", server)  # the "cloud" of the example's second half
    monkeypatch.setenv("NCLOUD_ACCESS_KEY", tenant.access_key)
    monkeypatch.setenv("NCLOUD_SECRET_KEY", tenant.secret_key)
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile(code, "README.md", "exec"), {})  # noqa: S102 - our own README
    assert "404 exception rule 2024072321114100000001 not found" in printed.getvalue()
