"""The questions the benchmark asks, each in three dialects.

One shape is one getIPSList question (page 1 of 20, newest first). For each we write:

- the getIPSList body secmon receives over HTTP;
- the floor: the same count and page as plain SQL on secmon's own `ips_events`
  table (label text resolved through the `labels` table, addresses as secmon's
  16-byte keys), asked with the stdlib sqlite3 module in the benchmark's process;
- the datasette table-JSON query string over the same records loaded by sqlite-utils.
"""

from __future__ import annotations

import urllib.parse
from dataclasses import dataclass, field
from typing import Any

from generate import Probes
from secmon.domain.addresses import ip_key
from secmon.domain.events import Platform
from secmon.store.ips_sql import PLATFORM_CODES
from secmon.store.labels import LabelKind

PAGE_SIZE = 20

#: What secmon returns for a page, in the floor's terms (the ORDER BY of getIPSList).
FLOOR_COLUMNS = (
    "ticket_id, platform, detected_at, event_name_id, attack_type_id, protocol_id, region_id, zone_id, "
    "vpc_id, attacker_ip, attacker_port, target_ip, target_port, detect, signature_id, severity, "
    "action_id, flow_id, app_proto_id"
)


@dataclass(frozen=True)
class Shape:
    name: str
    start: int
    end: int
    #: Extra getIPSList body fields (the filter), wire names.
    wire: dict[str, str] = field(default_factory=dict)
    #: Extra floor condition and its parameters.
    floor_sql: str = ""
    floor_params: tuple[Any, ...] = ()
    #: Extra datasette query parameters.
    datasette: dict[str, str] = field(default_factory=dict)

    def body(self) -> dict[str, Any]:
        return {
            "startDateTime": self.start,
            "endDateTime": self.end,
            "page": 1,
            "countPerPage": PAGE_SIZE,
            **self.wire,
        }

    def floor_queries(
        self, member_no: int
    ) -> tuple[tuple[str, tuple[Any, ...]], tuple[str, tuple[Any, ...]]]:
        """(count SQL, params), (page SQL, params) for plain sqlite3 on secmon's tables."""
        where = "member_no = ? AND platform = ? AND detected_at BETWEEN ? AND ?"
        params: tuple[Any, ...] = (member_no, PLATFORM_CODES[Platform.VPC], self.start, self.end)
        if self.floor_sql:
            where += f" AND {self.floor_sql}"
            params += self.floor_params
        count = (f"SELECT count(*) FROM ips_events WHERE {where}", params)
        page = (
            f"SELECT {FLOOR_COLUMNS} FROM ips_events WHERE {where} "
            f"ORDER BY detected_at DESC, ticket_id DESC LIMIT {PAGE_SIZE}",
            params,
        )
        return count, page

    def datasette_query(self) -> str:
        query = {
            "date__gte": str(self.start),
            "date__lte": str(self.end),
            **self.datasette,
            "_sort_desc": "date",
            "_size": str(PAGE_SIZE),
        }
        return urllib.parse.urlencode(query)


def _label(kind: LabelKind, condition: str) -> str:
    column = {
        LabelKind.EVENT_NAME: "event_name_id",
        LabelKind.ATTACK_TYPE: "attack_type_id",
        LabelKind.PROTOCOL: "protocol_id",
        LabelKind.REGION: "region_id",
        LabelKind.ZONE: "zone_id",
    }[kind]
    return f"{column} IN (SELECT id FROM labels WHERE kind = {int(kind)} AND {condition})"


def shapes(p: Probes) -> list[Shape]:
    """Every question: a 1-day window alone and with each filter, and the whole month."""
    day = (p.day_start, p.day_end)
    return [
        Shape("1 day", *day),
        Shape(
            "1 day + eventNm",
            *day,
            wire={"eventNm": p.event_name_substring},
            floor_sql=_label(LabelKind.EVENT_NAME, "value LIKE ?"),
            floor_params=(f"%{p.event_name_substring}%",),
            datasette={"eventNm__contains": p.event_name_substring},
        ),
        Shape(
            "1 day + attackIp",
            *day,
            wire={"attackIp": p.attacker_ip},
            floor_sql="attacker_key = ?",
            floor_params=(ip_key(p.attacker_ip),),
            datasette={"attackerIp": p.attacker_ip},
        ),
        Shape(
            "1 day + targetIp",
            *day,
            wire={"targetIp": p.target_ip},
            floor_sql="target_key = ?",
            floor_params=(ip_key(p.target_ip),),
            datasette={"targetIp": p.target_ip},
        ),
        Shape(
            "1 day + attackType",
            *day,
            wire={"attackType": p.attack_type},
            floor_sql=_label(LabelKind.ATTACK_TYPE, "value = ? COLLATE NOCASE"),
            floor_params=(p.attack_type,),
            datasette={"attackType": p.attack_type},
        ),
        Shape(
            "1 day + protocol",
            *day,
            wire={"protocol": p.protocol},
            floor_sql=_label(LabelKind.PROTOCOL, "value = ? COLLATE NOCASE"),
            floor_params=(p.protocol,),
            datasette={"protocol": p.protocol},
        ),
        Shape(
            "1 day + zoneName",
            *day,
            wire={"zoneName": p.zone_name},
            floor_sql=_label(LabelKind.ZONE, "value = ?"),
            floor_params=(p.zone_name,),
            datasette={"zoneName": p.zone_name},
        ),
        Shape(
            "1 day + regionCode",
            *day,
            wire={"regionCode": p.region_code},
            floor_sql=_label(LabelKind.REGION, "value = ?"),
            floor_params=(p.region_code,),
            datasette={"region": p.region_name},
        ),
        Shape("30 days", start=p.month_start, end=p.month_end),
    ]
