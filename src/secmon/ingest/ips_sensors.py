"""IPS alerts from sensors: Suricata EVE JSON and Snort 3 alert_json → IpsEvent (SPEC §8).

A parser either returns an event, raises NotAnAlert for a well-formed record that is
not an alert (counted as skipped), or raises InvalidInput naming what is missing.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from secmon.domain.errors import InvalidInput
from secmon.domain.events import IpsEvent, Platform
from secmon.wire.validation import reject_nul

_INT64_MAX = 2**63 - 1


class NotAnAlert(Exception):
    """A well-formed record of another kind (flow, dns, stats...)."""


@dataclass(frozen=True, slots=True)
class SensorContext:
    """What the records do not say: where the sensor sits, and what is home."""

    platform: Platform = Platform.VPC
    region: str | None = None
    zone_name: str | None = None
    vpc_name: str | None = None
    home_net: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = ()

    def is_home(self, address: str | None) -> bool:
        if not address or not self.home_net:
            return False
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip.version == net.version and ip in net for net in self.home_net)


def parse_home_net(text: str) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    """`10.0.0.0/8,192.168.0.0/16` → networks; InvalidInput names a bad one."""
    nets = []
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        try:
            nets.append(ipaddress.ip_network(part, strict=False))
        except ValueError:
            raise InvalidInput("home-net", f"not a CIDR block: {part!r}") from None
    return tuple(nets)


def iso_to_ms(text: str, field: str = "timestamp") -> int:
    """ISO 8601 with or without an offset (none = UTC) → epoch ms."""
    try:
        stamp = datetime.fromisoformat(text)
    except (TypeError, ValueError):
        raise InvalidInput(field, f"not an ISO 8601 time: {text!r}") from None
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=UTC)
    return int(stamp.timestamp() * 1000)


def _port(value: Any, field: str) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise InvalidInput(field, f"not a port: {value!r}")
    try:
        port = int(value)
    except ValueError:
        raise InvalidInput(field, f"not a port: {value!r}") from None
    if not 0 <= port <= 65535:
        raise InvalidInput(field, f"not a port: {value!r}")
    return port


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _upper(value: Any) -> str | None:
    text = _text(value)
    return text.upper() if text else None


def _int(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    if value > _INT64_MAX:
        # Suricata's flow_id is unsigned 64-bit: keep its bits in a signed column.
        return value - 2**64
    return value


def _oriented(event: IpsEvent, ctx: SensorContext) -> IpsEvent:
    """With a home net, the attacker is always the outside party."""
    if ctx.is_home(event.attacker_ip) and not ctx.is_home(event.target_ip):
        return replace(
            event,
            attacker_ip=event.target_ip,
            attacker_port=event.target_port,
            target_ip=event.attacker_ip,
            target_port=event.attacker_port,
        )
    return event


def parse_suricata(record: Any, ctx: SensorContext) -> IpsEvent:
    if not isinstance(record, dict):
        raise InvalidInput("record", "must be a JSON object")
    if record.get("event_type") != "alert":
        raise NotAnAlert
    reject_nul(record)
    alert = record.get("alert")
    if not isinstance(alert, dict) or not _text(alert.get("signature")):
        raise InvalidInput("alert.signature", "is required")
    for required in ("timestamp", "src_ip", "dest_ip"):
        if not _text(record.get(required)):
            raise InvalidInput(required, "is required")
    source = alert.get("source") if isinstance(alert.get("source"), dict) else None
    target = alert.get("target") if isinstance(alert.get("target"), dict) else None
    attacker_ip, attacker_port = record["src_ip"], record.get("src_port")
    target_ip, target_port = record["dest_ip"], record.get("dest_port")
    if source is not None:
        attacker_ip, attacker_port = source.get("ip", attacker_ip), source.get("port")
    if target is not None:
        target_ip, target_port = target.get("ip", target_ip), target.get("port")
    event = IpsEvent(
        detected_at=iso_to_ms(str(record["timestamp"])),
        event_name=str(alert["signature"]).strip(),
        platform=ctx.platform,
        attack_type=_text(alert.get("category")),
        attacker_ip=_text(attacker_ip),
        attacker_port=_port(attacker_port, "src_port"),
        target_ip=_text(target_ip),
        target_port=_port(target_port, "dest_port"),
        protocol=_upper(record.get("proto")),
        region=ctx.region,
        zone_name=ctx.zone_name,
        vpc_name=ctx.vpc_name,
        signature_id=_int(alert.get("signature_id")),
        severity=_int(alert.get("severity")),
        action=_text(alert.get("action")),
        flow_id=_int(record.get("flow_id")),
        app_proto=_text(record.get("app_proto")),
    )
    # alert.source/target already say who attacks whom: only orient when they are absent.
    return event if source is not None or target is not None else _oriented(event, ctx)


def split_address_port(text: Any, field: str, has_port: bool = True) -> tuple[str | None, int | None]:
    """Snort's `addr:port` for IPv4 and IPv6 (`10.0.0.1:80`, `2001:db8::1:443`, `[::1]:80`).

    `fe80::1:22` is also a whole IPv6 address: for protocols with ports (TCP, UDP) the
    last group is the port; otherwise (ICMP) a string that is an address is taken whole.
    """
    value = _text(text)
    if value is None:
        raise InvalidInput(field, "is required")
    if value.startswith("["):
        host, _, rest = value[1:].partition("]")
        return host, _port(rest.lstrip(":") or None, field)
    if not has_port or value.count(":") == 0:
        try:
            ipaddress.ip_address(value)
            return value, None  # an address without a port
        except ValueError:
            pass
    host, sep, port = value.rpartition(":")
    if not sep:
        raise InvalidInput(field, f"not an address: {value!r}")
    return host, _port(port, field)


def snort_time_to_ms(text: str, now: datetime | None = None) -> int:
    """Snort 3 timestamps: `YY/MM/DD-HH:MM:SS.ffffff`, or without the year
    (`MM/DD-HH:MM:SS.ffffff`: the most recent such moment not after tomorrow). UTC."""
    value = text.strip()
    try:
        if value.count("/") == 2:
            stamp = datetime.strptime(value, "%y/%m/%d-%H:%M:%S.%f")
        else:
            reference = now or datetime.now(UTC)
            # Parsing needs a year (29 February): try this year, else the previous one.
            stamp = datetime.strptime(f"{reference.year}/{value}", "%Y/%m/%d-%H:%M:%S.%f")
            if stamp.replace(tzinfo=UTC).timestamp() > reference.timestamp() + 86_400:
                stamp = stamp.replace(year=reference.year - 1)
    except ValueError:
        raise InvalidInput("timestamp", f"not a Snort time: {value!r}") from None
    return int(stamp.replace(tzinfo=UTC).timestamp() * 1000)


def parse_snort(record: Any, ctx: SensorContext, now: datetime | None = None) -> IpsEvent:
    if not isinstance(record, dict):
        raise InvalidInput("record", "must be a JSON object")
    reject_nul(record)
    if not _text(record.get("msg")):
        raise InvalidInput("msg", "is required")
    if not _text(record.get("timestamp")):
        raise InvalidInput("timestamp", "is required")
    has_port = (_upper(record.get("proto")) or "") in ("TCP", "UDP", "SCTP")
    attacker_ip, attacker_port = split_address_port(record.get("src_ap"), "src_ap", has_port)
    target_ip, target_port = split_address_port(record.get("dst_ap"), "dst_ap", has_port)
    event = IpsEvent(
        detected_at=snort_time_to_ms(str(record["timestamp"]), now),
        event_name=str(record["msg"]).strip(),
        platform=ctx.platform,
        attack_type=_text(record.get("class")),
        attacker_ip=attacker_ip,
        attacker_port=attacker_port,
        target_ip=target_ip,
        target_port=target_port,
        protocol=_upper(record.get("proto")),
        region=ctx.region,
        zone_name=ctx.zone_name,
        vpc_name=ctx.vpc_name,
        signature_id=_int(record.get("sid")),
        severity=_int(record.get("priority")),
        action=_text(record.get("action")),
    )
    return _oriented(event, ctx)
