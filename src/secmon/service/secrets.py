"""Sealing secret keys at rest.

Signature v2 needs the secret itself to verify a request, so secrets cannot be
hashed; they are encrypted (AES-256-GCM) with a master key kept in a file *outside*
the database, so a leaked database alone exposes no secret. The database records the
master key's fingerprint, so pointing secmon at the wrong key file fails clearly
instead of rejecting every request.
"""

from __future__ import annotations

import base64
import hashlib
import os
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from secmon.domain.errors import SecmonError
from secmon.store.base import Store

KEY_FILE_ENV = "SECMON_KEY_FILE"
FINGERPRINT_META = "master_key_fingerprint"
_NONCE = 12


class MasterKeyError(SecmonError):
    pass


def default_key_file() -> Path:
    configured = os.environ.get(KEY_FILE_ENV)
    if configured:
        return Path(configured)
    base = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    return base / "secmon" / "master.key"


def load_or_create_master_key(path: Path) -> bytes:
    """Read the 32-byte key at `path`, creating it (mode 0600) on first use."""
    if path.exists():
        try:
            key = base64.b64decode(path.read_text().strip(), validate=True)
        except ValueError:
            raise MasterKeyError(f"master key file {path} is not valid base64") from None
        if len(key) != 32:
            raise MasterKeyError(f"master key file {path} must hold 32 bytes, holds {len(key)}")
        return key
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    key = AESGCM.generate_key(bit_length=256)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(base64.b64encode(key).decode() + "\n")
    return key


class SecretBox:
    """Seals and opens secret keys; the access key is bound in as associated data."""

    def __init__(self, master_key: bytes) -> None:
        self._aead = AESGCM(master_key)
        self.fingerprint = hashlib.sha256(b"secmon-master-key:" + master_key).hexdigest()[:16]

    def seal(self, access_key: str, secret: str) -> bytes:
        nonce = os.urandom(_NONCE)
        return nonce + self._aead.encrypt(nonce, secret.encode(), access_key.encode())

    def open(self, access_key: str, sealed: bytes) -> str:
        nonce, body = sealed[:_NONCE], sealed[_NONCE:]
        return self._aead.decrypt(nonce, body, access_key.encode()).decode()

    def bind(self, store: Store) -> None:
        """Record this key's fingerprint in the store, or fail if another key sealed it."""
        stored = store.meta_set_if_absent(FINGERPRINT_META, self.fingerprint)
        if stored != self.fingerprint:
            raise MasterKeyError(
                f"this database's secrets were sealed with another master key "
                f"(fingerprint {stored}, this key {self.fingerprint}); "
                f"set {KEY_FILE_ENV} to the key file used when the keys were created"
            )


def open_secret_box(store: Store, key_file: Path | None = None) -> SecretBox:
    box = SecretBox(load_or_create_master_key(key_file or default_key_file()))
    box.bind(store)
    return box
