"""`secmon ips list`: Security Monitoring's getIPSList from the command line."""

from __future__ import annotations

from typing import Any

import click

from secmon.cli.client_common import (
    Column,
    Connection,
    Item,
    client_command,
    key,
    now_ms,
    page_footer,
    show_time,
    time_options,
    time_range,
)

DAY_MS = 86_400_000

#: An `ipsDataList` item's keys, in the seed's order (the CSV header when nothing matched).
IPS_KEYS = [
    "ticketId",
    "date",
    "product",
    "eventNm",
    "attackType",
    "attackerIp",
    "attackerPort",
    "targetIp",
    "targetPort",
    "protocol",
    "detect",
    "region",
    "zoneName",
    "platForm",
    "vpcName",
]


def _address(ip: str, port: str) -> Any:
    def show(item: Item) -> Any:
        if item.get(ip) is None:
            return None
        return f"{item[ip]}:{item[port]}" if item.get(port) is not None else item[ip]

    return show


IPS_COLUMNS = [
    Column("Detected (UTC)", lambda i: show_time(i.get("date")), priority=9),
    Column("Event", key("eventNm"), priority=9, min_width=30, max_width=70),
    Column("Attacker", _address("attackerIp", "attackerPort"), priority=8, min_width=15),
    Column("Target", _address("targetIp", "targetPort"), priority=7, min_width=15),
    Column("Ticket", key("ticketId"), priority=6),
    Column("Proto", lambda i: i.get("protocol") or i.get("attackType"), priority=5, max_width=16),
    Column("Detect", key("detect"), priority=4),
    Column("Zone", key("zoneName"), priority=3),
]


@click.group()
def ips() -> None:
    """Security Monitoring: IPS events (getIPSList), from secmon or the cloud."""


@ips.command("list")
@time_options("Detection time")
@click.option("--event-nm", help="Event name contains (any case).")
@click.option("--attack-ip", help="Attacker address (secmon also takes a CIDR block).")
@click.option("--target-ip", help="Target address (secmon also takes a CIDR block).")
@click.option("--attack-type", help="Attack type (Classic).")
@click.option("--protocol", help="Protocol, e.g. TCP (VPC).")
@click.option(
    "--region-code",
    type=click.Choice(["KR", "DEN", "JPN", "SGN", "USWN"], case_sensitive=False),
    help="Region.",
)
@click.option("--zone-name", help="Zone, e.g. KR-2.")
@click.option(
    "--order", type=click.Choice(["desc", "asc"], case_sensitive=False), help="By detection time [desc]."
)
@click.option("--page", type=click.IntRange(min=1), default=None, help="Page, 1-based [default: 1].")
@click.option(
    "--count",
    type=click.IntRange(1, 1000),
    default=None,
    help="Events a page [default: 20; 1000 with --all].",
)
@click.option("--all", "walk_all", is_flag=True, help="Walk every page.")
@client_command
def ips_list(
    conn: Connection,
    start: int | None,
    end: int | None,
    last: int | None,
    event_nm: str | None,
    attack_ip: str | None,
    target_ip: str | None,
    attack_type: str | None,
    protocol: str | None,
    region_code: str | None,
    zone_name: str | None,
    order: str | None,
    page: int | None,
    count: int | None,
    walk_all: bool,
) -> None:
    """List IPS events detected in a time range: the last 24 hours unless --from/--to/--last
    say otherwise (--from alone runs until now; --to alone from the beginning).

    \b
    Example:
      export SECMON_ENDPOINT=http://127.0.0.1:8080 NCLOUD_ACCESS_KEY=... NCLOUD_SECRET_KEY=...
      secmon ips list --last 7d --event-nm log4j --protocol TCP
      secmon ips list --from 2024-07-01 --to 2024-07-03 --all --output csv > events.csv
    """
    if walk_all and page is not None:
        raise click.UsageError("--all walks every page: leave out --page")
    first, until = time_range(start, end, last, default_last=DAY_MS)
    first = 0 if first is None else first
    until = now_ms() if until is None else until
    filters: dict[str, Any] = {
        "event_name": event_nm,
        "attacker_ip": attack_ip,
        "target_ip": target_ip,
        "attack_type": attack_type,
        "protocol": protocol,
        "region_code": region_code.upper() if region_code else None,
        "zone_name": zone_name,
        "order": order.lower() if order else None,
    }
    filters = {k: v for k, v in filters.items() if v is not None}
    printer = conn.printer(IPS_COLUMNS, IPS_KEYS)
    with conn.sm() as sm:
        if walk_all:
            size = count or 1000
            printer.items(e.to_wire() for e in sm.iter_ips(first, until, count=size, **filters))
            return
        size = count or 20
        number = page or 1
        result = sm.list_ips(first, until, page=number, count=size, **filters)
        printer.items(
            [e.to_wire() for e in result.items],
            lambda: page_footer(result.total, number, size, len(result.items), first=1),
        )
