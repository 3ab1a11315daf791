"""SQL for IPS events, shared by both backends: rows in, pages and exact counts out."""

from __future__ import annotations

import socket
from collections import Counter
from collections.abc import Sequence
from typing import Any

from secmon.domain.addresses import ip_key
from secmon.domain.events import IpsEvent, IpsPage, IpsQuery, Order, Platform, StoredIpsEvent
from secmon.store.labels import NO_LABEL, LabelCache, LabelKind
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
INSERT INTO ips_label_counts (member_no, platform, label_id, hour, n) VALUES (?, ?, ?, ?, ?)
ON CONFLICT (member_no, platform, label_id, hour) DO UPDATE SET n = ips_label_counts.n + excluded.n
"""

_UPSERT_COMBO_COUNTS = """
INSERT INTO ips_combo_counts (
    member_no, platform, hour, event_name_id, attack_type_id, protocol_id, region_id,
    zone_id, n
) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (member_no, platform, hour, event_name_id, attack_type_id, protocol_id,
             region_id, zone_id)
DO UPDATE SET n = ips_combo_counts.n + excluded.n
"""

_SELECT_COLUMNS = """
ticket_id, platform, detected_at, event_name_id, attack_type_id, protocol_id, region_id,
zone_id, vpc_id, attacker_ip, attacker_port, target_ip, target_port, detect,
signature_id, severity, action_id, flow_id, app_proto_id
"""


def wanted_labels(events: Sequence[IpsEvent]) -> dict[LabelKind, set[str]]:
    wanted: dict[LabelKind, set[str]] = {}
    for attr, kind in _LABEL_FIELDS:
        values = {getattr(e, attr) for e in events}
        values.discard(None)
        wanted[kind] = values
    return wanted


_V4_MAPPED_PREFIX = b"\x00" * 10 + b"\xff\xff"


def _address_key(text: str | None) -> bytes | None:
    """`ip_key`, with a C fast path for dotted IPv4 (most addresses; ipaddress is slow).

    glibc's inet_pton accepts exactly the dotted quads ipaddress does (four decimal
    octets, no leading zeros); anything else goes to `ip_key` itself.
    """
    if text and "." in text and ":" not in text:
        try:
            return _V4_MAPPED_PREFIX + socket.inet_pton(socket.AF_INET, text)
        except (OSError, ValueError):
            pass
    return ip_key(text)


def event_rows(member_no: int, events: Sequence[IpsEvent], labels: LabelCache) -> list[Row]:
    """The INSERT_EVENT parameter rows (labels must already be ensured)."""
    event_names = labels.ids(LabelKind.EVENT_NAME)
    attack_types = labels.ids(LabelKind.ATTACK_TYPE)
    protocols = labels.ids(LabelKind.PROTOCOL)
    regions = labels.ids(LabelKind.REGION)
    zones = labels.ids(LabelKind.ZONE)
    vpcs = labels.ids(LabelKind.VPC)
    actions = labels.ids(LabelKind.ACTION)
    app_protos = labels.ids(LabelKind.APP_PROTO)
    key = _address_key
    return [
        (
            member_no,
            PLATFORM_CODES[e.platform],
            e.detected_at,
            event_names[e.event_name],
            attack_types[e.attack_type],
            protocols[e.protocol],
            regions[e.region],
            zones[e.zone_name],
            vpcs[e.vpc_name],
            e.attacker_ip,
            key(e.attacker_ip),
            e.attacker_port,
            e.target_ip,
            key(e.target_ip),
            e.target_port,
            e.detect,
            e.signature_id,
            e.severity,
            actions[e.action],
            e.flow_id,
            app_protos[e.app_proto],
        )
        for e in events
    ]


def add_counts(session: Session, rows: Sequence[Row]) -> None:
    """Grow the hourly rollups by the event rows just inserted (same transaction)."""
    by_combo: Counter[tuple[int, ...]] = Counter(
        (r[0], r[1], (r[2] // HOUR_MS) * HOUR_MS, r[3], r[4], r[5], r[6], r[7]) for r in rows
    )
    # The other two rollups are sums of this one; combinations are far fewer than rows.
    hourly: Counter[tuple[int, int, int]] = Counter()
    by_label: Counter[tuple[int, int, int, int]] = Counter()
    for (member_no, platform, hour, *label_ids), n in by_combo.items():
        hourly[(member_no, platform, hour)] += n
        for label_id in label_ids:
            if label_id != NO_LABEL:  # no filter ever selects "no value"
                by_label[(member_no, platform, label_id, hour)] += n
    session.executemany(_UPSERT_HOURLY, [(*k, n) for k, n in hourly.items()])
    session.executemany(_UPSERT_LABEL_COUNTS, [(*k, n) for k, n in by_label.items()])
    session.executemany(_UPSERT_COMBO_COUNTS, [(*k, n) for k, n in by_combo.items()])


class _Where:
    """SQL conditions and their parameters, in order."""

    def __init__(self, *parts: tuple[str, tuple[Any, ...]]) -> None:
        self.clauses: list[str] = []
        self.params: list[Any] = []
        for clause, params in parts:
            self.add(clause, *params)

    def add(self, clause: str, *params: Any) -> None:
        self.clauses.append(clause)
        self.params.extend(params)

    def add_in(self, column: str, ids: Sequence[int]) -> None:
        self.add(f"{column} IN ({', '.join('?' * len(ids))})", *ids)

    def copy(self) -> _Where:
        twin = _Where()
        twin.clauses = list(self.clauses)
        twin.params = list(self.params)
        return twin

    def sql(self) -> str:
        return " AND ".join(self.clauses)


#: A label filter: the ips_events column and the ids of the labels it accepts.
_LabelFilter = tuple[str, list[int]]


def _label_filters(query: IpsQuery, labels: LabelCache) -> list[_LabelFilter] | None:
    """Label filters as id sets; None when some filter can match nothing."""
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
    filters: list[_LabelFilter] = []
    for column, kind, predicate in wanted:
        ids = labels.matching(kind, predicate)
        if not ids:
            return None
        filters.append((column, ids))
    return filters


def search(session: Session, labels: LabelCache, member_no: int, query: IpsQuery) -> IpsPage:
    """Exact count and one page, on either backend."""
    labels.sync(session)
    label_filters = _label_filters(query, labels)
    if label_filters is None:
        return IpsPage(total=0)
    scope = _Where(("member_no = ?", (member_no,)), ("platform = ?", (PLATFORM_CODES[query.platform],)))
    events_where = scope.copy()
    for column, ids in label_filters:
        events_where.add_in(column, ids)
    for column, rng in (("attacker_key", query.attacker), ("target_key", query.target)):
        if rng is not None:
            if rng.low == rng.high:
                events_where.add(f"{column} = ?", rng.low)
            else:
                events_where.add(f"{column} BETWEEN ? AND ?", rng.low, rng.high)

    total = _count(session, query, scope, label_filters, events_where)
    if total == 0 or query.offset >= total:
        return IpsPage(total=total)
    direction = "ASC" if query.order is Order.ASC else "DESC"
    order = f"ORDER BY detected_at {direction}, ticket_id {direction}"
    matches = f"FROM ips_events WHERE {events_where.sql()} AND detected_at BETWEEN ? AND ?"
    params = [*events_where.params, query.start, query.end]
    if query.offset == 0:
        sql = f"SELECT {_SELECT_COLUMNS} {matches} {order} LIMIT ?"
        params.append(query.per_page)
    else:
        # Deeper pages: skip the offset inside an index (every filter's index holds the
        # ticket id), then read only the page's rows, not every skipped one.
        sql = (
            f"SELECT {_SELECT_COLUMNS} FROM ips_events WHERE ticket_id IN "
            f"(SELECT ticket_id {matches} {order} LIMIT ? OFFSET ?) {order}"
        )
        params += [query.per_page, query.offset]
    rows = session.fetchall(sql, params)
    try:
        events = _stored_events(rows, labels)
    except KeyError:  # a label newer than the cache (added by another process)
        labels.sync(session)
        events = _stored_events(rows, labels)
    return IpsPage(total=total, events=events)


def _rollup(scope: _Where, label_filters: list[_LabelFilter]) -> tuple[str, _Where]:
    """The rollup table that answers these label filters by the hour, and its conditions."""
    if not label_filters:
        return "ips_hourly_counts", scope
    if len(label_filters) == 1:
        # Label ids are unique across kinds, so one filter is a set of label ids.
        where = scope.copy()
        where.add_in("label_id", label_filters[0][1])
        return "ips_label_counts", where
    where = scope.copy()
    for column, ids in label_filters:
        where.add_in(column, ids)
    return "ips_combo_counts", where


def _count(
    session: Session,
    query: IpsQuery,
    scope: _Where,
    label_filters: list[_LabelFilter],
    events_where: _Where,
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
    rollup_table, rollup_where = _rollup(scope, label_filters)
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


def _stored_events(rows: list[Row], labels: LabelCache) -> list[StoredIpsEvent]:
    """Rows of _SELECT_COLUMNS → events; KeyError when a label id is not cached."""
    name = labels.names()
    platforms = PLATFORMS_BY_CODE
    # This runs for every row of every page: one comprehension, plain dict lookups, and
    # IpsEvent's fields by position (a third faster than by keyword), in its declared
    # order: detected_at, event_name, platform, attack_type, attacker_ip, attacker_port,
    # target_ip, target_port, protocol, detect, region, zone_name, vpc_name, signature_id,
    # severity, action, flow_id, app_proto. test_every_field_round_trips guards the order.
    return [
        StoredIpsEvent(
            r[0],
            IpsEvent(
                r[2],
                name[r[3]] or "",
                platforms[r[1]],
                name[r[4]],
                r[9],
                r[10],
                r[11],
                r[12],
                name[r[5]],
                r[13],
                name[r[6]],
                name[r[7]],
                name[r[8]],
                r[14],
                r[15],
                name[r[16]],
                r[17],
                name[r[18]],
            ),
        )
        for r in rows
    ]
