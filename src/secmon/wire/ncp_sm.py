"""Security Monitoring wire format: getIPSList request and response, native IPS records.

Field names here are exactly the cloud's (see shared/seeds/security-monitoring-getIPSList.txt);
several numbers travel as JSON strings and are converted in this module only.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from secmon.domain.addresses import parse_address_filter
from secmon.domain.errors import InvalidInput
from secmon.domain.events import (
    MAX_PAGE_SIZE,
    REGION_NAMES,
    IpsEvent,
    IpsPage,
    IpsQuery,
    Order,
    Platform,
    StoredIpsEvent,
    region_code,
)
from secmon.wire.validation import first_problem, reject_bool, reject_nul

WireInt = Annotated[int, BeforeValidator(reject_bool)]

PRODUCT_OF_PLATFORM: dict[Platform, str] = {Platform.VPC: "IPS_V2", Platform.CLASSIC: "IPS"}
PLATFORM_OF_PRODUCT: dict[str, Platform] = {v: k for k, v in PRODUCT_OF_PLATFORM.items()}

SUCCESS_CODE = 0
BAD_REQUEST_CODE = 100

#: The seed types times as Long and paging as Integer (Java's 64- and 32-bit ints):
#: larger numbers are bad requests, not overflows deep in the database driver.
MAX_LONG = 2**63 - 1
MAX_INTEGER = 2**31 - 1


class GetIpsListRequest(BaseModel):
    """The getIPSList body. Unknown fields are ignored; numeric strings are accepted."""

    model_config = ConfigDict(extra="ignore", populate_by_name=False)

    start_date_time: WireInt = Field(
        alias="startDateTime", description="Start of the range, epoch ms, inclusive"
    )
    end_date_time: WireInt = Field(alias="endDateTime", description="End of the range, epoch ms, inclusive")
    page: WireInt = Field(alias="page", description="Page number, 1-based")
    count_per_page: WireInt = Field(alias="countPerPage", description="Items per page, 1-1000")
    order: str | None = Field(None, alias="order", description="asc | desc (default)")
    region_code: str | None = Field(None, alias="regionCode", description="KR | DEN | JPN | SGN | USWN")
    zone_name: str | None = Field(None, alias="zoneName", description="Zone, e.g. KR-2 (exact)")
    event_nm: str | None = Field(None, alias="eventNm", description="Event name substring, any case")
    attack_ip: str | None = Field(None, alias="attackIp", description="Attacker address or CIDR block")
    target_ip: str | None = Field(None, alias="targetIp", description="Target address or CIDR block")
    attack_type: str | None = Field(None, alias="attackType", description="Attack type, any case")
    protocol: str | None = Field(None, alias="protocol", description="Protocol, any case")


def _blank_to_none(value: str | None) -> str | None:
    """Consoles send "" for an unused filter: treat it as absent."""
    if value is None:
        return None
    value = value.strip()
    return value or None


def parse_get_ips_list(body: Any, platform: Platform) -> IpsQuery:
    """A decoded JSON body → IpsQuery, or InvalidInput naming the wire field."""
    if not isinstance(body, dict):
        raise InvalidInput("body", "must be a JSON object")
    try:
        req = GetIpsListRequest.model_validate(body)
    except ValidationError as exc:
        raise first_problem(exc) from None
    for name, value, limit in (
        ("startDateTime", req.start_date_time, MAX_LONG),
        ("endDateTime", req.end_date_time, MAX_LONG),
        ("page", req.page, MAX_INTEGER),
    ):
        if value > limit:
            raise InvalidInput(name, f"must be at most {limit}")
    if req.start_date_time < 0:
        raise InvalidInput("startDateTime", "must not be negative")
    if req.start_date_time > req.end_date_time:
        raise InvalidInput("startDateTime", "must not be after endDateTime")
    if req.page < 1:
        raise InvalidInput("page", "must be 1 or more")
    if not 1 <= req.count_per_page <= MAX_PAGE_SIZE:
        raise InvalidInput("countPerPage", f"must be between 1 and {MAX_PAGE_SIZE}")
    order_text = _blank_to_none(req.order)
    if order_text is None:
        order = Order.DESC
    elif order_text.lower() in ("asc", "desc"):
        order = Order(order_text.lower())
    else:
        raise InvalidInput("order", f"must be asc or desc, got {order_text!r}")
    region = _blank_to_none(req.region_code)
    if region is not None:
        if region.upper() not in REGION_NAMES:
            raise InvalidInput("regionCode", f"must be one of {' '.join(REGION_NAMES)}, got {region!r}")
        region = region.upper()
    attacker = target = None
    for name, text in (
        ("attackIp", _blank_to_none(req.attack_ip)),
        ("targetIp", _blank_to_none(req.target_ip)),
    ):
        if text is None:
            continue
        try:
            rng = parse_address_filter(text)
        except ValueError:
            raise InvalidInput(name, f"must be an IP address or CIDR block, got {text!r}") from None
        if name == "attackIp":
            attacker = rng
        else:
            target = rng
    return IpsQuery(
        platform=platform,
        start=req.start_date_time,
        end=req.end_date_time,
        page=req.page,
        per_page=req.count_per_page,
        order=order,
        region=region,
        zone_name=_blank_to_none(req.zone_name),
        event_name_contains=_blank_to_none(req.event_nm),
        attacker=attacker,
        target=target,
        attack_type=_blank_to_none(req.attack_type),
        protocol=_blank_to_none(req.protocol),
    )


def _str_or_none(value: int | None) -> str | None:
    return None if value is None else str(value)


def ips_item(stored: StoredIpsEvent) -> dict[str, Any]:
    """One `ipsDataList` item, keys in the seed's order, numbers as strings."""
    e = stored.event
    return {
        "ticketId": str(stored.ticket_id),
        "date": str(e.detected_at),
        "product": PRODUCT_OF_PLATFORM[e.platform],
        "eventNm": e.event_name,
        "attackType": e.attack_type,
        "attackerIp": e.attacker_ip,
        "attackerPort": _str_or_none(e.attacker_port),
        "targetIp": e.target_ip,
        "targetPort": _str_or_none(e.target_port),
        "protocol": e.protocol,
        "detect": str(e.detect),
        "region": REGION_NAMES.get(e.region) if e.region else None,
        "zoneName": e.zone_name,
        "platForm": e.platform.value,
        "vpcName": e.vpc_name,
    }


def ips_list_response(page: IpsPage, page_number: int) -> dict[str, Any]:
    return {
        "returnCode": SUCCESS_CODE,
        "ipsDataList": [ips_item(s) for s in page.events],
        "returnMessage": "SUCCESS",
        "totalRows": page.total,
        "page": page_number,
    }


def bad_request(problem: InvalidInput) -> dict[str, Any]:
    return {
        "returnCode": BAD_REQUEST_CODE,
        "returnMessage": "Bad Request Exception",
        "details": f"{problem.field}: {problem.reason}",
    }


# -- the response's shape, for /openapi.json


class IpsItem(BaseModel):
    ticket_id: str = Field(alias="ticketId")
    date: str = Field(description="Detection time, epoch ms, as a string")
    product: str = Field(description="IPS (Classic) | IPS_V2 (VPC)")
    event_nm: str = Field(alias="eventNm")
    attack_type: str | None = Field(alias="attackType")
    attacker_ip: str | None = Field(alias="attackerIp")
    attacker_port: str | None = Field(alias="attackerPort")
    target_ip: str | None = Field(alias="targetIp")
    target_port: str | None = Field(alias="targetPort")
    protocol: str | None
    detect: str
    region: str | None
    zone_name: str | None = Field(alias="zoneName")
    plat_form: str = Field(alias="platForm")
    vpc_name: str | None = Field(alias="vpcName")


class GetIpsListResponse(BaseModel):
    return_code: int = Field(alias="returnCode")
    ips_data_list: list[IpsItem] = Field(alias="ipsDataList")
    return_message: str = Field(alias="returnMessage")
    total_rows: int = Field(alias="totalRows")
    page: int


class BadRequestResponse(BaseModel):
    return_code: int = Field(alias="returnCode", examples=[100])
    return_message: str = Field(alias="returnMessage", examples=["Bad Request Exception"])
    details: str = Field(examples=["countPerPage: must be between 1 and 1000"])


# -- native ingest records: ipsDataList items without ticketId

OptionalWireInt = Annotated[int | None, BeforeValidator(reject_bool)]


class IpsRecord(BaseModel):
    model_config = ConfigDict(extra="ignore")

    date: WireInt
    event_nm: str = Field(alias="eventNm", min_length=1)
    product: str | None = None
    attack_type: str | None = Field(None, alias="attackType")
    attacker_ip: str | None = Field(None, alias="attackerIp")
    attacker_port: OptionalWireInt = Field(None, alias="attackerPort")
    target_ip: str | None = Field(None, alias="targetIp")
    target_port: OptionalWireInt = Field(None, alias="targetPort")
    protocol: str | None = None
    detect: WireInt = 1
    region: str | None = None
    zone_name: str | None = Field(None, alias="zoneName")
    plat_form: str | None = Field(None, alias="platForm")
    vpc_name: str | None = Field(None, alias="vpcName")


def parse_ips_record(raw: Any, default_platform: Platform) -> IpsEvent:
    """A native NDJSON record → IpsEvent; InvalidInput names what is wrong."""
    if not isinstance(raw, dict):
        raise InvalidInput("record", "must be a JSON object")
    reject_nul(raw)
    try:
        rec = IpsRecord.model_validate(raw)
    except ValidationError as exc:
        raise first_problem(exc) from None
    platform = default_platform
    if rec.plat_form is not None:
        try:
            platform = Platform(rec.plat_form.upper())
        except ValueError:
            raise InvalidInput("platForm", f"must be VPC or CLASSIC, got {rec.plat_form!r}") from None
    if rec.product is not None:
        by_product = PLATFORM_OF_PRODUCT.get(rec.product.upper())
        if by_product is None:
            raise InvalidInput("product", f"must be IPS or IPS_V2, got {rec.product!r}")
        if rec.plat_form is None:
            platform = by_product
        elif by_product is not platform:
            raise InvalidInput("product", f"{rec.product} does not match platForm {platform.value}")
    region = None
    if rec.region is not None:
        region = region_code(rec.region)
        if region is None:
            raise InvalidInput("region", f"unknown region {rec.region!r}")
    for name, port in (("attackerPort", rec.attacker_port), ("targetPort", rec.target_port)):
        if port is not None and not 0 <= port <= 65535:
            raise InvalidInput(name, f"must be 0-65535, got {port}")
    if not 0 <= rec.date <= MAX_LONG:
        raise InvalidInput("date", f"must be between 0 and {MAX_LONG}")
    if not 1 <= rec.detect <= MAX_LONG:
        raise InvalidInput("detect", "must be 1 or more (and fit in 64 bits)")
    return IpsEvent(
        detected_at=rec.date,
        event_name=rec.event_nm,
        platform=platform,
        attack_type=rec.attack_type,
        attacker_ip=rec.attacker_ip,
        attacker_port=rec.attacker_port,
        target_ip=rec.target_ip,
        target_port=rec.target_port,
        protocol=rec.protocol,
        detect=rec.detect,
        region=region,
        zone_name=rec.zone_name,
        vpc_name=rec.vpc_name,
    )
