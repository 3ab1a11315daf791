"""SQL for IPS events, shared by both backends: rows in, pages and exact counts out."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from secmon.domain.addresses import ip_key
from secmon.domain.events import IpsEvent, IpsPage, IpsQuery, Order, Platform, StoredIpsEvent
from secmon.store.labels import LabelCache, LabelKind
from secmon.store.session import Row, Session

HOUR_MS = 3_600_000

PLATFORM_CODES: dict[Platform, int] = {Platform.VPC: 1, Platform.CLASSIC: 2}
PLATFORMS_BY_CODE: dict[int, Platform] = {v: k for k, v in PLATFORM_CODES.items()}

_LABEL_FIELDS: tuple[tuple[str, LabelKind], ...] = (
    ("event_name", LabelKind.EVENT_NAME),
    ("attack_type", LabelKind.ATTACK_TYPE),
    ("protocol", LabelKind.PROTOCOL),
    ("region", LabelKind.REGION),
    ("zone_name", LabelKind.ZONE),
    ("vpc_name", LabelKind.VPC),
    ("action", LabelKind.ACTION),
    ("app_proto", LabelKind.APP_PROTO),
)

INSERT_EVENT = """
INSERT INTO ips_events (
    member_no, platform, detected_at, event_name_id, attack_type_id, protocol_id,
    region_id, zone_id, vpc_id, attacker_ip, attacker_key, attacker_port,
    target_ip, target_key, target_port, detect, signature_id, severity, action_id,
    flow_id, app_proto_id
) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
"""

_UPSERT_HOURLY = """
INSERT INTO ips_hourly_counts (member_no, platform, hour, n) VALUES (?, ?, ?, ?)
ON CONFLICT (member_no, platform, hour) DO UPDATE SET n = ips_hourly_counts.n + excluded.n
"""

_UPSERT_LABEL_COUNTS = """
INSERT INTO ips_label_counts (
    member_no, platform, hour, event_name_id, attack_type_id, protocol_id, region_id,
    zone_id, n
) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (member_no, platform, hour, event_name_id, attack_type_id, protocol_id,
             region_id, zone_id)
DO UPDATE SET n = ips_label_counts.n + excluded.n
"""

_SELECT_COLUMNS = """
ticket_id, platform, detected_at, event_name_id, attack_type_id, protocol_id, region_id,
zone_id, vpc_id, attacker_ip, attacker_port, target_ip, target_port, detect,
signature_id, severity, action_id, flow_id, app_proto_id
"""


def wanted_labels(events: Sequence[IpsEvent]) -> dict[LabelKind, set[str]]:
    wanted: dict[LabelKind, set[str]] = {kind: set() for _, kind in _LABEL_FIELDS}
    for event in events:
        for attr, kind in _LABEL_FIELDS:
            value = getattr(event, attr)
            if value is not None:
                wanted[kind].add(value)
    return wanted


def event_rows(member_no: int, events: Sequence[IpsEvent], labels: LabelCache) -> list[Row]:
    """The INSERT_EVENT parameter rows (labels must already be ensured)."""
    lid = labels.id_of
    return [
        (
            member_no,
            PLATFORM_CODES[e.platform],
            e.detected_at,
            lid(LabelKind.EVENT_NAME, e.event_name),
            lid(LabelKind.ATTACK_TYPE, e.attack_type),
            lid(LabelKind.PROTOCOL, e.protocol),
            lid(LabelKind.REGION, e.region),
            lid(LabelKind.ZONE, e.zone_name),
            lid(LabelKind.VPC, e.vpc_name),
            e.attacker_ip,
            ip_key(e.attacker_ip),
            e.attacker_port,
            e.target_ip,
            ip_key(e.target_ip),
            e.target_port,
            e.detect,
            e.signature_id,
            e.severity,
            lid(LabelKind.ACTION, e.action),
            e.flow_id,
            lid(LabelKind.APP_PROTO, e.app_proto),
        )
        for e in events
    ]


def add_counts(session: Session, rows: Sequence[Row]) -> None:
    """Grow the hourly rollups by the event rows just inserted (same transaction)."""
    hourly: Counter[tuple[int, int, int]] = Counter()
    by_label: Counter[tuple[int, ...]] = Counter()
    for r in rows:
        hour = (r[2] // HOUR_MS) * HOUR_MS
        hourly[(r[0], r[1], hour)] += 1
        by_label[(r[0], r[1], hour, r[3], r[4], r[5], r[6], r[7])] += 1
    session.executemany(_UPSERT_HOURLY, [(*k, n) for k, n in hourly.items()])
    session.executemany(_UPSERT_LABEL_COUNTS, [(*k, n) for k, n in by_label.items()])


class _Where:
    """Conditions on the columns shared by ips_events and ips_label_counts."""

    def __init__(self) -> None:
        self.clauses: list[str] = []
        self.params: list[Any] = []

    def add(self, clause: str, *params: Any) -> None:
        self.clauses.append(clause)
        self.params.extend(params)

    def add_in(self, column: str, ids: list[int]) -> None:
        self.add(f"{column} IN ({', '.join('?' * len(ids))})", *ids)

    def sql(self) -> str:
        return " AND ".join(self.clauses)


def _label_conditions(query: IpsQuery, labels: LabelCache) -> _Where | None:
    """Label filters as id sets; None when some filter can match nothing."""
    where = _Where()
    wanted: list[tuple[str, LabelKind, Any]] = []
    if query.event_name_contains is not None:
        needle = query.event_name_contains.casefold()
        wanted.append(("event_name_id", LabelKind.EVENT_NAME, lambda v: needle in v.casefold()))
    if query.attack_type is not None:
        attack_type = query.attack_type.casefold()
        wanted.append(("attack_type_id", LabelKind.ATTACK_TYPE, lambda v: v.casefold() == attack_type))
    if query.protocol is not None:
        protocol = query.protocol.casefold()
        wanted.append(("protocol_id", LabelKind.PROTOCOL, lambda v: v.casefold() == protocol))
    if query.region is not None:
        region = query.region
        wanted.append(("region_id", LabelKind.REGION, lambda v: v == region))
    if query.zone_name is not None:
        zone = query.zone_name
        wanted.append(("zone_id", LabelKind.ZONE, lambda v: v == zone))
    for column, kind, predicate in wanted:
        ids = labels.matching(kind, predicate)
        if not ids:
            return None
        where.add_in(column, ids)
    return where


def search(session: Session, labels: LabelCache, member_no: int, query: IpsQuery) -> IpsPage:
    """Exact count and one page, on either backend."""
    labels.sync(session)
    label_where = _label_conditions(query, labels)
    if label_where is None:
        return IpsPage(total=0)
    scope = _Where()
    scope.add("member_no = ?", member_no)
    scope.add("platform = ?", PLATFORM_CODES[query.platform])

    events_where = _Where()
    events_where.clauses = [*scope.clauses, *label_where.clauses]
    events_where.params = [*scope.params, *label_where.params]
    for column, rng in (("attacker_key", query.attacker), ("target_key", query.target)):
        if rng is not None:
            if rng.low == rng.high:
                events_where.add(f"{column} = ?", rng.low)
            else:
                events_where.add(f"{column} BETWEEN ? AND ?", rng.low, rng.high)

    total = _count(session, query, scope, label_where, events_where)
    if total == 0 or query.offset >= total:
        return IpsPage(total=total)
    direction = "ASC" if query.order is Order.ASC else "DESC"
    rows = session.fetchall(
        f"SELECT {_SELECT_COLUMNS} FROM ips_events "
        f"WHERE {events_where.sql()} AND detected_at BETWEEN ? AND ? "
        f"ORDER BY detected_at {direction}, ticket_id {direction} LIMIT ? OFFSET ?",
        [*events_where.params, query.start, query.end, query.per_page, query.offset],
    )
    if not labels.has_ids(i for r in rows for i in (r[3], r[4], r[5], r[6], r[7], r[8], r[16], r[18])):
        labels.sync(session)
    return IpsPage(total=total, events=[_stored_event(r, labels) for r in rows])


def _count(
    session: Session, query: IpsQuery, scope: _Where, label_where: _Where, events_where: _Where
) -> int:
    count_events = (
        f"SELECT count(*) FROM ips_events WHERE {events_where.sql()} AND detected_at BETWEEN ? AND ?"
    )
    first_full = -(-query.start // HOUR_MS) * HOUR_MS
    full_end = ((query.end + 1) // HOUR_MS) * HOUR_MS
    if query.has_address_filter or first_full >= full_end:
        row = session.fetchone(count_events, [*events_where.params, query.start, query.end])
        return int(row[0]) if row else 0
    # Whole hours come from a rollup; the partial hours at either edge from the index.
    if label_where.clauses:
        rollup_table, rollup_where = "ips_label_counts", _Where()
        rollup_where.clauses = [*scope.clauses, *label_where.clauses]
        rollup_where.params = [*scope.params, *label_where.params]
    else:
        rollup_table, rollup_where = "ips_hourly_counts", scope
    sql = (
        f"SELECT (SELECT coalesce(sum(n), 0) FROM {rollup_table} "
        f"WHERE {rollup_where.sql()} AND hour >= ? AND hour < ?), "
        f"({count_events}), ({count_events})"
    )
    params = [
        *rollup_where.params,
        first_full,
        full_end,
        *events_where.params,
        query.start,
        first_full - 1,
        *events_where.params,
        full_end,
        query.end,
    ]
    row = session.fetchone(sql, params)
    assert row is not None
    return int(row[0]) + int(row[1]) + int(row[2])


def _stored_event(r: Row, labels: LabelCache) -> StoredIpsEvent:
    value = labels.value_of
    return StoredIpsEvent(
        ticket_id=int(r[0]),
        event=IpsEvent(
            platform=PLATFORMS_BY_CODE[r[1]],
            detected_at=int(r[2]),
            event_name=value(r[3]) or "",
            attack_type=value(r[4]),
            protocol=value(r[5]),
            region=value(r[6]),
            zone_name=value(r[7]),
            vpc_name=value(r[8]),
            attacker_ip=r[9],
            attacker_port=r[10],
            target_ip=r[11],
            target_port=r[12],
            detect=int(r[13]),
            signature_id=r[14],
            severity=r[15],
            action=value(r[16]),
            flow_id=r[17],
            app_proto=value(r[18]),
        ),
    )
