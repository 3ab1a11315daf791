"""Server settings, passed explicitly to create_app (nothing is read at import time)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from secmon.store.factory import DEFAULT_DB_URL

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8080
DEFAULT_MAX_BODY_BYTES = 1024 * 1024


@dataclass(frozen=True, slots=True)
class Settings:
    db_url: str = DEFAULT_DB_URL
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    key_file: Path | None = None
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    #: Requests per second allowed per access key; None = no limit (the default).
    rate_limit: float | None = None
    #: Requests a key may send at once before the rate applies.
    rate_burst: int = 20
    #: Seconds between webhook notification rounds; None = no notifier thread.
    notify_period_s: float | None = None
