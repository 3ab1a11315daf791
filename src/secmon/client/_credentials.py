"""Finding an access key and secret key the way NAVER Cloud's own tools do.

Order (the first that yields a complete pair wins):

1. explicit arguments (`access_key` and `secret_key`, both or neither);
2. an explicit `profile` argument: that section of ``~/.ncloud/configure``;
3. the environment: ``NCLOUD_ACCESS_KEY`` / ``NCLOUD_SECRET_KEY``, else
   ``NCLOUD_ACCESS_KEY_ID`` / ``NCLOUD_SECRET_ACCESS_KEY``;
4. ``~/.ncloud/configure``, section ``NCLOUD_PROFILE`` or ``[DEFAULT]``.

The file is INI, as ``ncloud configure`` writes it::

    [DEFAULT]
    ncloud_access_key_id = ...
    ncloud_secret_access_key = ...

    [prod]
    ncloud_access_key_id = ...
    ncloud_secret_access_key = ...

Unlike Python's configparser default, a named profile does not inherit keys from
``[DEFAULT]``: a half-filled profile is an error, never a key of one profile signed
with the secret of another. An explicit profile argument beats the environment (as
``--profile`` does in the cloud CLIs); ``NCLOUD_PROFILE`` only picks the section.
"""

from __future__ import annotations

import configparser
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from secmon.client._exceptions import CredentialsError

__all__ = ["CONFIG_PATH", "Credentials"]

#: Relative to the home directory.
CONFIG_PATH = Path(".ncloud") / "configure"
DEFAULT_PROFILE = "DEFAULT"
PROFILE_ENV = "NCLOUD_PROFILE"
ENV_PAIRS: tuple[tuple[str, str], ...] = (
    ("NCLOUD_ACCESS_KEY", "NCLOUD_SECRET_KEY"),
    ("NCLOUD_ACCESS_KEY_ID", "NCLOUD_SECRET_ACCESS_KEY"),
)
FILE_KEYS = ("ncloud_access_key_id", "ncloud_secret_access_key")


@dataclass(frozen=True, slots=True)
class Credentials:
    """An access key and its secret; `source` says where they were found.

    The secret never appears in ``repr()``.
    """

    access_key: str
    secret_key: str = field(repr=False)
    source: str = "arguments"

    @classmethod
    def resolve(
        cls,
        access_key: str | None = None,
        secret_key: str | None = None,
        profile: str | None = None,
        *,
        environ: Mapping[str, str] | None = None,
        config_file: Path | None = None,
    ) -> Credentials:
        """The first complete pair in the documented order, or CredentialsError."""
        env = os.environ if environ is None else environ
        if access_key or secret_key:
            if not (access_key and secret_key):
                raise CredentialsError("give both an access key and a secret key, or neither")
            return cls(access_key, secret_key, "arguments")
        path = config_file if config_file is not None else Path.home() / CONFIG_PATH
        if profile:
            return _from_file(path, profile, explicit=True)
        for key_var, secret_var in ENV_PAIRS:
            key, secret = env.get(key_var, "").strip(), env.get(secret_var, "").strip()
            if key and secret:
                return cls(key, secret, f"environment ({key_var})")
            if key or secret:
                missing = secret_var if key else key_var
                raise CredentialsError(f"{missing} is not set (but its pair is)")
        env_profile = env.get(PROFILE_ENV, "").strip()
        return _from_file(path, env_profile or DEFAULT_PROFILE, explicit=bool(env_profile))


def _from_file(path: Path, profile: str, explicit: bool) -> Credentials:
    hint = (
        "pass --access-key/--secret-key, set NCLOUD_ACCESS_KEY/NCLOUD_SECRET_KEY, or run `ncloud configure`"
    )
    if not path.is_file():
        raise CredentialsError(f"no credentials found ({path} does not exist); {hint}")
    # A section named DEFAULT is an ordinary profile here: no inheritance between profiles.
    parser = configparser.ConfigParser(default_section="\x00no-defaults", interpolation=None)
    try:
        parser.read(path, encoding="utf-8")
    except (configparser.Error, UnicodeDecodeError) as exc:
        raise CredentialsError(f"{path}: cannot be read: {exc}") from None
    if not parser.has_section(profile):
        where = f"profile {profile!r}" if explicit or profile != DEFAULT_PROFILE else "[DEFAULT] profile"
        raise CredentialsError(f"{path} has no {where}; {hint}")
    section = parser[profile]
    key, secret = (section.get(name, "").strip() for name in FILE_KEYS)
    if not (key and secret):
        missing = FILE_KEYS[0] if not key else FILE_KEYS[1]
        raise CredentialsError(f"{path} [{profile}] lacks {missing}")
    return Credentials(key, secret, f"{path} [{profile}]")
