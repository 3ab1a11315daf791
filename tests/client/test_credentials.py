"""Credentials: arguments > environment > ~/.ncloud/configure (with profiles)."""

from __future__ import annotations

from pathlib import Path

import pytest

from secmon.client import Credentials, CredentialsError, WebshellBehaviorDetector
from tests.conftest import TenantFactory


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("HOME", str(tmp_path))
    return tmp_path


def write_configure(home: Path, text: str) -> Path:
    path = home / ".ncloud" / "configure"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


CONFIGURE = """\
[DEFAULT]
ncloud_access_key_id = file-default-key
ncloud_secret_access_key = file-default-secret
ncloud_api_url = https://ncloud.apigw.ntruss.com

[prod]
ncloud_access_key_id = file-prod-key
ncloud_secret_access_key = file-prod-secret

[half]
ncloud_access_key_id = only-a-key
"""


def test_arguments_win_over_everything(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_configure(home, CONFIGURE)
    monkeypatch.setenv("NCLOUD_ACCESS_KEY", "env-key")
    monkeypatch.setenv("NCLOUD_SECRET_KEY", "env-secret")
    creds = Credentials.resolve("arg-key", "arg-secret", profile="prod")
    assert (creds.access_key, creds.secret_key, creds.source) == ("arg-key", "arg-secret", "arguments")


def test_environment_wins_over_the_file(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_configure(home, CONFIGURE)
    monkeypatch.setenv("NCLOUD_ACCESS_KEY", "env-key")
    monkeypatch.setenv("NCLOUD_SECRET_KEY", "env-secret")
    creds = Credentials.resolve()
    assert (creds.access_key, creds.secret_key) == ("env-key", "env-secret")
    assert "NCLOUD_ACCESS_KEY" in creds.source


def test_the_alternative_environment_names(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_configure(home, CONFIGURE)
    monkeypatch.setenv("NCLOUD_ACCESS_KEY_ID", "id-key")
    monkeypatch.setenv("NCLOUD_SECRET_ACCESS_KEY", "id-secret")
    assert Credentials.resolve().access_key == "id-key"
    # The short names come first when both are set.
    monkeypatch.setenv("NCLOUD_ACCESS_KEY", "env-key")
    monkeypatch.setenv("NCLOUD_SECRET_KEY", "env-secret")
    assert Credentials.resolve().access_key == "env-key"


def test_the_default_profile_of_the_file(home: Path) -> None:
    path = write_configure(home, CONFIGURE)
    creds = Credentials.resolve()
    assert (creds.access_key, creds.secret_key) == ("file-default-key", "file-default-secret")
    assert creds.source == f"{path} [DEFAULT]"


def test_a_named_profile_by_argument_or_environment(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_configure(home, CONFIGURE)
    assert Credentials.resolve(profile="prod").access_key == "file-prod-key"
    monkeypatch.setenv("NCLOUD_PROFILE", "prod")
    assert Credentials.resolve().access_key == "file-prod-key"


def test_an_explicit_profile_beats_the_environment(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_configure(home, CONFIGURE)
    monkeypatch.setenv("NCLOUD_ACCESS_KEY", "env-key")
    monkeypatch.setenv("NCLOUD_SECRET_KEY", "env-secret")
    assert Credentials.resolve(profile="prod").access_key == "file-prod-key"
    # NCLOUD_PROFILE only picks the section once the environment has no keys.
    monkeypatch.setenv("NCLOUD_PROFILE", "prod")
    assert Credentials.resolve().access_key == "env-key"


def test_profiles_do_not_inherit_from_default(home: Path) -> None:
    write_configure(home, CONFIGURE)
    with pytest.raises(CredentialsError, match="lacks ncloud_secret_access_key"):
        Credentials.resolve(profile="half")


@pytest.mark.parametrize(
    ("setup", "kwargs", "message"),
    [
        ("none", {}, "does not exist"),
        ("file", {"profile": "staging"}, "no profile 'staging'"),
        ("named-only", {}, r"has no \[DEFAULT\] profile"),
        ("file", {"access_key": "only-key"}, "both an access key and a secret key"),
        ("env-half", {}, "NCLOUD_SECRET_KEY is not set"),
        ("garbage", {}, "cannot be read"),
    ],
)
def test_what_is_missing_is_named(
    home: Path, monkeypatch: pytest.MonkeyPatch, setup: str, kwargs: dict[str, str], message: str
) -> None:
    if setup == "file":
        write_configure(home, CONFIGURE)
    elif setup == "named-only":
        write_configure(home, "[prod]\nncloud_access_key_id = a\nncloud_secret_access_key = b\n")
    elif setup == "env-half":
        monkeypatch.setenv("NCLOUD_ACCESS_KEY", "env-key")
    elif setup == "garbage":
        write_configure(home, "this is not = an ini file\n")
    with pytest.raises(CredentialsError, match=message) as caught:
        Credentials.resolve(**kwargs)  # type: ignore[arg-type]
    assert str(caught.value).startswith("credentials: ")


def test_repr_never_shows_the_secret() -> None:
    creds = Credentials("key", "very-secret")
    assert "very-secret" not in repr(creds)
    client = WebshellBehaviorDetector("http://127.0.0.1:9", credentials=creds)
    try:
        assert "very-secret" not in repr(client)
    finally:
        client.close()


def test_a_client_signs_with_keys_from_the_configure_file(
    home: Path, server: str, make_tenant: TenantFactory
) -> None:
    tenant = make_tenant("acme")
    write_configure(
        home,
        f"[DEFAULT]\nncloud_access_key_id = wrong\nncloud_secret_access_key = wrong\n\n"
        f"[acme]\nncloud_access_key_id = {tenant.access_key}\n"
        f"ncloud_secret_access_key = {tenant.secret_key}\n",
    )
    with WebshellBehaviorDetector(server, profile="acme") as wbd:
        assert wbd.credentials.access_key == tenant.access_key
        assert wbd.list_rules().total == 0


def test_endpoint_argument_then_environment_then_the_cloud(monkeypatch: pytest.MonkeyPatch) -> None:
    creds = Credentials("k", "s")
    with WebshellBehaviorDetector(credentials=creds) as wbd:
        assert wbd.endpoint == "https://wbd.apigw.ntruss.com"
    monkeypatch.setenv("SECMON_ENDPOINT", "http://127.0.0.1:8080/")
    with WebshellBehaviorDetector(credentials=creds) as wbd:
        assert wbd.endpoint == "http://127.0.0.1:8080"
    with WebshellBehaviorDetector("https://other.example", credentials=creds) as wbd:
        assert wbd.endpoint == "https://other.example"
    with pytest.raises(ValueError, match="http"):
        WebshellBehaviorDetector("ftp://example", credentials=creds)
