"""Secret keys are sealed at rest, bound to their database's master key."""

from __future__ import annotations

from pathlib import Path

import pytest

from secmon.service.accounts import AccountService
from secmon.service.secrets import MasterKeyError, SecretBox, load_or_create_master_key, open_secret_box
from secmon.store import Store


def test_seal_and_open(tmp_path: Path) -> None:
    box = SecretBox(load_or_create_master_key(tmp_path / "k"))
    sealed = box.seal("AK", "the-secret")
    assert b"the-secret" not in sealed
    assert box.open("AK", sealed) == "the-secret"
    with pytest.raises(Exception, match=r".*"):
        box.open("OTHER", sealed)  # bound to its access key


def test_key_file_is_private_and_stable(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "master.key"
    first = load_or_create_master_key(path)
    assert path.stat().st_mode & 0o777 == 0o600
    assert load_or_create_master_key(path) == first


def test_bad_key_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "k"
    path.write_text("not base64!!")
    with pytest.raises(MasterKeyError, match="base64"):
        load_or_create_master_key(path)


def test_another_master_key_is_refused(store: Store, tmp_path: Path) -> None:
    open_secret_box(store, tmp_path / "one.key")
    with pytest.raises(MasterKeyError, match="another master key"):
        open_secret_box(store, tmp_path / "two.key")


def test_database_holds_no_secret_in_clear(store: Store, tmp_path: Path) -> None:
    service = AccountService(store, open_secret_box(store, tmp_path / "k"))
    service.create_account("acme")
    issued = service.create_key("acme")
    holder = store.key_holder(issued.access_key)
    assert holder is not None
    assert issued.secret_key.encode() not in holder.key.secret_sealed
    if store.url.startswith("sqlite:"):
        raw = b"".join(p.read_bytes() for p in tmp_path.glob("secmon.db*"))
        assert issued.access_key.encode() in raw
        assert issued.secret_key.encode() not in raw
