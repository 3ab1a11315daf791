"""IPS alerts from sensors: Suricata EVE JSON and Snort 3 alert_json → IpsEvent (SPEC §8).

A parser either returns an event, raises NotAnAlert for a well-formed record that is
not an alert (counted as skipped), or raises InvalidInput naming what is missing.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from secmon.domain.errors import InvalidInput
from secmon.domain.events import IpsEvent, Platform
from secmon.store.ips_sql import EventFields
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


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MS = timedelta(milliseconds=1)


def iso_to_ms(text: str, field: str = "timestamp") -> int:
    """ISO 8601 with or without an offset (none = UTC) → epoch ms (exact, rounded down)."""
    try:
        stamp = datetime.fromisoformat(text)
    except (TypeError, ValueError):
        raise InvalidInput(field, f"not an ISO 8601 time: {text!r}") from None
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=UTC)
    return (stamp - _EPOCH) // _MS


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


def _oriented(fields: EventFields, ctx: SensorContext) -> EventFields:
    """With a home net, the attacker is always the outside party."""
    attacker_ip, attacker_port, target_ip, target_port = fields[4:8]
    if ctx.is_home(attacker_ip) and not ctx.is_home(target_ip):
        return (*fields[:4], target_ip, target_port, attacker_ip, attacker_port, *fields[8:])
    return fields


def parse_suricata(record: Any, ctx: SensorContext) -> IpsEvent:
    if isinstance(record, dict) and record.get("event_type") == "alert":
        reject_nul(record)
    return IpsEvent(*suricata_fields(record, ctx))


def suricata_fields(record: Any, ctx: SensorContext) -> EventFields:
    """parse_suricata's event as a tuple of IpsEvent's fields (ips_sql.EventFields), for
    bulk ingest. The record must be free of U+0000 already (Cursor refuses such records).

    The common cases (strings, ints) are tested inline; anything else goes through the
    same helpers as ever, so every record maps exactly as parse_suricata says.
    """
    if not isinstance(record, dict):
        raise InvalidInput("record", "must be a JSON object")
    get = record.get
    if get("event_type") != "alert":
        raise NotAnAlert
    alert = get("alert")
    if not isinstance(alert, dict):
        raise InvalidInput("alert.signature", "is required")
    value = alert.get("signature")
    event_name = value.strip() if type(value) is str else _text(value)
    if not event_name:
        raise InvalidInput("alert.signature", "is required")
    timestamp = get("timestamp")
    if not (timestamp.strip() if type(timestamp) is str else _text(timestamp)):
        raise InvalidInput("timestamp", "is required")
    src_ip = get("src_ip")
    if not (src_ip.strip() if type(src_ip) is str else _text(src_ip)):
        raise InvalidInput("src_ip", "is required")
    dest_ip = get("dest_ip")
    if not (dest_ip.strip() if type(dest_ip) is str else _text(dest_ip)):
        raise InvalidInput("dest_ip", "is required")
    source = alert.get("source")
    target = alert.get("target")
    attacker_ip, attacker_port = src_ip, get("src_port")
    target_ip, target_port = dest_ip, get("dest_port")
    explicit = False
    if isinstance(source, dict):
        attacker_ip, attacker_port = source.get("ip", attacker_ip), source.get("port")
        explicit = True
    if isinstance(target, dict):
        target_ip, target_port = target.get("ip", target_ip), target.get("port")
        explicit = True
    attacker_ip = (attacker_ip.strip() or None) if type(attacker_ip) is str else _text(attacker_ip)
    target_ip = (target_ip.strip() or None) if type(target_ip) is str else _text(target_ip)
    if type(attacker_port) is not int or not 0 <= attacker_port <= 65535:
        attacker_port = _port(attacker_port, "src_port")
    if type(target_port) is not int or not 0 <= target_port <= 65535:
        target_port = _port(target_port, "dest_port")
    value = alert.get("category")
    attack_type = (value.strip() or None) if type(value) is str else _text(value)
    value = get("proto")
    protocol = (value.strip().upper() or None) if type(value) is str else _upper(value)
    value = alert.get("action")
    action = (value.strip() or None) if type(value) is str else _text(value)
    value = get("app_proto")
    app_proto = (value.strip() or None) if type(value) is str else _text(value)
    signature_id = alert.get("signature_id")
    if type(signature_id) is not int or signature_id > _INT64_MAX:
        signature_id = _int(signature_id)
    severity = alert.get("severity")
    if type(severity) is not int or severity > _INT64_MAX:
        severity = _int(severity)
    flow_id = get("flow_id")
    if type(flow_id) is not int or flow_id > _INT64_MAX:
        flow_id = _int(flow_id)
    fields: EventFields = (
        iso_to_ms(timestamp if type(timestamp) is str else str(timestamp)),
        event_name,
        ctx.platform,
        attack_type,
        attacker_ip,
        attacker_port,
        target_ip,
        target_port,
        protocol,
        1,
        ctx.region,
        ctx.zone_name,
        ctx.vpc_name,
        signature_id,
        severity,
        action,
        flow_id,
        app_proto,
    )
    # alert.source/target already say who attacks whom: only orient when they are absent.
    return fields if explicit or not ctx.home_net else _oriented(fields, ctx)


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
    if isinstance(record, dict):
        reject_nul(record)
    return IpsEvent(*snort_fields(record, ctx, now))


def snort_fields(record: Any, ctx: SensorContext, now: datetime | None = None) -> EventFields:
    """parse_snort's event as a tuple of IpsEvent's fields (free of U+0000 already, as
    suricata_fields)."""
    if not isinstance(record, dict):
        raise InvalidInput("record", "must be a JSON object")
    if not _text(record.get("msg")):
        raise InvalidInput("msg", "is required")
    if not _text(record.get("timestamp")):
        raise InvalidInput("timestamp", "is required")
    has_port = (_upper(record.get("proto")) or "") in ("TCP", "UDP", "SCTP")
    attacker_ip, attacker_port = split_address_port(record.get("src_ap"), "src_ap", has_port)
    target_ip, target_port = split_address_port(record.get("dst_ap"), "dst_ap", has_port)
    fields: EventFields = (
        snort_time_to_ms(str(record["timestamp"]), now),
        str(record["msg"]).strip(),
        ctx.platform,
        _text(record.get("class")),
        attacker_ip,
        attacker_port,
        target_ip,
        target_port,
        _upper(record.get("proto")),
        1,
        ctx.region,
        ctx.zone_name,
        ctx.vpc_name,
        _int(record.get("sid")),
        _int(record.get("priority")),
        _text(record.get("action")),
        None,
        None,
    )
    return _oriented(fields, ctx) if ctx.home_net else fields
