"""IPS security events and the questions asked of them."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from secmon.domain.addresses import AddressRange

#: Region codes the cloud knows, with the display names its responses carry.
REGION_NAMES: dict[str, str] = {
    "KR": "Korea",
    "DEN": "Germany",
    "JPN": "Japan",
    "SGN": "Singapore",
    "USWN": "U.S.",
}
REGION_CODES: dict[str, str] = {name: code for code, name in REGION_NAMES.items()}

MAX_PAGE_SIZE = 1000


class Platform(StrEnum):
    VPC = "VPC"
    CLASSIC = "CLASSIC"


class Order(StrEnum):
    ASC = "asc"
    DESC = "desc"


def region_code(text: str) -> str | None:
    """A region given as code (`KR`) or name (`Korea`), case-insensitively → its code."""
    upper = text.strip().upper()
    if upper in REGION_NAMES:
        return upper
    for name, code in REGION_CODES.items():
        if name.upper() == upper:
            return code
    return None


@dataclass(frozen=True, slots=True)
class IpsEvent:
    """One IPS event as secmon keeps it: times in epoch ms (UTC), unknowns as None."""

    detected_at: int
    event_name: str
    platform: Platform = Platform.VPC
    attack_type: str | None = None
    attacker_ip: str | None = None
    attacker_port: int | None = None
    target_ip: str | None = None
    target_port: int | None = None
    protocol: str | None = None
    detect: int = 1
    region: str | None = None
    zone_name: str | None = None
    vpc_name: str | None = None
    # Sensor facts kept with the event when the source has them.
    signature_id: int | None = None
    severity: int | None = None
    action: str | None = None
    flow_id: int | None = None
    app_proto: str | None = None


@dataclass(frozen=True, slots=True)
class StoredIpsEvent:
    ticket_id: int
    event: IpsEvent


@dataclass(frozen=True, slots=True)
class IpsQuery:
    """getIPSList's question in domain terms. Time bounds are inclusive epoch ms."""

    platform: Platform
    start: int
    end: int
    page: int = 1
    per_page: int = 20
    order: Order = Order.DESC
    region: str | None = None
    zone_name: str | None = None
    event_name_contains: str | None = None
    attacker: AddressRange | None = None
    target: AddressRange | None = None
    attack_type: str | None = None
    protocol: str | None = None

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page

    @property
    def has_label_filter(self) -> bool:
        return any(
            v is not None
            for v in (
                self.region,
                self.zone_name,
                self.event_name_contains,
                self.attack_type,
                self.protocol,
            )
        )

    @property
    def has_address_filter(self) -> bool:
        return self.attacker is not None or self.target is not None


@dataclass(frozen=True, slots=True)
class IpsPage:
    total: int
    events: list[StoredIpsEvent] = field(default_factory=list)
