"""Detection notifications: how often an account hears about new detections, and where."""

from __future__ import annotations

from dataclasses import dataclass

#: The cloud's interval names and their length in ms.
INTERVALS_MS: dict[str, int] = {
    "one_min": 60_000,
    "two_min": 120_000,
    "three_min": 180_000,
    "four_min": 240_000,
    "five_min": 300_000,
    "ten_min": 600_000,
    "thirty_min": 1_800_000,
    "one_hour": 3_600_000,
    "three_hour": 10_800_000,
    "six_hour": 21_600_000,
    "twelve_hour": 43_200_000,
    "twenty_four_hour": 86_400_000,
}
DEFAULT_INTERVAL = "ten_min"


@dataclass(frozen=True, slots=True)
class NotificationSetting:
    setting_id: str
    member_no: int
    interval_ms: int
    last_sent_time: int | None
    created_at: int
    updated_at: int


@dataclass(frozen=True, slots=True)
class Webhook:
    webhook_id: str
    member_no: int
    url: str
    created_at: int
