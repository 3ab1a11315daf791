"""SQL for IPS events, shared by both backends: rows in, pages and exact counts out."""

from __future__ import annotations

import dataclasses
import operator
import socket
from collections import Counter
from collections.abc import Sequence
from typing import Any, cast

from secmon.domain.addresses import ip_key
from secmon.domain.events import IpsEvent, IpsPage, IpsQuery, Order, Platform, StoredIpsEvent
from secmon.store.labels import NO_LABEL, LabelCache, LabelKind
from secmon.store.session import Row, Session

HOUR_MS = 3_600_000

PLATFORM_CODES: dict[Platform, int] = {Platform.VPC: 1, Platform.CLASSIC: 2}
PLATFORMS_BY_CODE: dict[int, Platform] = {v: k for k, v in PLATFORM_CODES.items()}

INSERT_EVENT = """
INSERT INTO ips_events (
    member_no, platform, detected_at, event_name_id, attack_type_id, protocol_id,
    region_id, zone_id, vpc_id, attacker_ip, attacker_key, attacker_port,
    target_ip, target_key, target_port, detect, signature_id, severity, action_id,
    flow_id, app_proto_id, agg_key
) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
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


#: An IPS event as a plain tuple, in IpsEvent's field order. Bulk ingest makes one per
#: alert: a tuple costs a fraction of a frozen dataclass (several µs with 18 fields).
EventFields = tuple[
    int,  # detected_at
    str,  # event_name
    Platform,
    str | None,  # attack_type
    str | None,  # attacker_ip
    int | None,  # attacker_port
    str | None,  # target_ip
    int | None,  # target_port
    str | None,  # protocol
    int,  # detect
    str | None,  # region
    str | None,  # zone_name
    str | None,  # vpc_name
    int | None,  # signature_id
    int | None,  # severity
    str | None,  # action
    int | None,  # flow_id
    str | None,  # app_proto
]
EVENT_FIELDS: tuple[str, ...] = tuple(f.name for f in dataclasses.fields(IpsEvent))
assert EVENT_FIELDS == (
    "detected_at",
    "event_name",
    "platform",
    "attack_type",
    "attacker_ip",
    "attacker_port",
    "target_ip",
    "target_port",
    "protocol",
    "detect",
    "region",
    "zone_name",
    "vpc_name",
    "signature_id",
    "severity",
    "action",
    "flow_id",
    "app_proto",
), "EventFields and the positions below follow IpsEvent's fields"
_as_fields = operator.attrgetter(*EVENT_FIELDS)


def event_fields(event: IpsEvent) -> EventFields:
    fields: EventFields = _as_fields(event)
    return fields


#: (position in EventFields, label kind) of every label column.
_LABEL_FIELDS: tuple[tuple[int, LabelKind], ...] = (
    (1, LabelKind.EVENT_NAME),
    (3, LabelKind.ATTACK_TYPE),
    (8, LabelKind.PROTOCOL),
    (10, LabelKind.REGION),
    (11, LabelKind.ZONE),
    (12, LabelKind.VPC),
    (15, LabelKind.ACTION),
    (17, LabelKind.APP_PROTO),
)


def wanted_labels(events: Sequence[EventFields]) -> dict[LabelKind, set[str]]:
    wanted: dict[LabelKind, set[str]] = {}
    for index, kind in _LABEL_FIELDS:
        values: set[str | None] = set(map(operator.itemgetter(index), events))
        values.discard(None)
        wanted[kind] = cast(set[str], values)
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


class _AddressKeys(dict[str | None, bytes | None]):
    """Address → key, remembered: alerts repeat their addresses (scanners, the same
    targets), and a dict lookup is several times cheaper than computing the key."""

    def __missing__(self, text: str | None) -> bytes | None:
        if len(self) >= 32_768:
            self.clear()  # bounded: memory stays flat however long the input
        key = self[text] = _address_key(text)
        return key


_address_keys = _AddressKeys()


def event_rows(
    member_no: int,
    events: Sequence[EventFields],
    labels: LabelCache,
    agg_keys: Sequence[int | None] | None = None,
) -> list[Row]:
    """The INSERT_EVENT parameter rows (labels must already be ensured), each ending
    with its aggregation key (None without `agg_keys`)."""
    event_names = labels.ids(LabelKind.EVENT_NAME)
    attack_types = labels.ids(LabelKind.ATTACK_TYPE)
    protocols = labels.ids(LabelKind.PROTOCOL)
    regions = labels.ids(LabelKind.REGION)
    zones = labels.ids(LabelKind.ZONE)
    vpcs = labels.ids(LabelKind.VPC)
    actions = labels.ids(LabelKind.ACTION)
    app_protos = labels.ids(LabelKind.APP_PROTO)
    platforms = PLATFORM_CODES
    key = _address_keys
    # Rows always end with the aggregation key (NULL for events that never aggregate).
    keys = agg_keys if agg_keys is not None else [None] * len(events)
    return [
        (
            member_no,
            platforms[e[2]],
            e[0],
            event_names[e[1]],
            attack_types[e[3]],
            protocols[e[8]],
            regions[e[10]],
            zones[e[11]],
            vpcs[e[12]],
            e[4],
            key[e[4]],
            e[5],
            e[6],
            key[e[6]],
            e[7],
            e[9],
            e[13],
            e[14],
            actions[e[15]],
            e[16],
            app_protos[e[17]],
            agg_key,
        )
        for e, agg_key in zip(events, keys, strict=True)
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
    label_filters: list[_LabelFilter] | None = []
    if query.has_label_filter:
        # A filter must know every label, also those another process added just now.
        # Without one, nothing is looked up by text: ids on the page that the cache
        # does not know yet make _stored_events sync (below).
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


# A page's events are built by setting their slots directly. A frozen dataclass's
# __init__ assigns each field through object.__setattr__: 1.4 µs for IpsEvent's 18
# fields, 30 µs of a 20-row page; setting the slots costs half. The instances are the
# real classes, equal to constructed ones. Import fails if a field is added to (or
# reordered in) either class without being added here.
_EVENT_SLOTS = (
    "detected_at",
    "event_name",
    "platform",
    "attack_type",
    "attacker_ip",
    "attacker_port",
    "target_ip",
    "target_port",
    "protocol",
    "detect",
    "region",
    "zone_name",
    "vpc_name",
    "signature_id",
    "severity",
    "action",
    "flow_id",
    "app_proto",
)
_STORED_SLOTS = ("ticket_id", "event")
if (
    IpsEvent.__slots__ != _EVENT_SLOTS
    or StoredIpsEvent.__slots__ != _STORED_SLOTS
    or hasattr(IpsEvent, "__post_init__")
    or hasattr(StoredIpsEvent, "__post_init__")
):
    raise ImportError("IpsEvent or StoredIpsEvent changed: update ips_sql._stored_events")
_EVENT_SETTERS = tuple(getattr(IpsEvent, slot).__set__ for slot in _EVENT_SLOTS)
_STORED_SETTERS = tuple(getattr(StoredIpsEvent, slot).__set__ for slot in _STORED_SLOTS)


def _stored_events(rows: list[Row], labels: LabelCache) -> list[StoredIpsEvent]:
    """Rows of _SELECT_COLUMNS → events; KeyError when a label id is not cached."""
    name = labels.names()
    platforms = PLATFORMS_BY_CODE
    new = object.__new__
    (
        detected_at,
        event_name,
        platform,
        attack_type,
        attacker_ip,
        attacker_port,
        target_ip,
        target_port,
        protocol,
        detect,
        region,
        zone_name,
        vpc_name,
        signature_id,
        severity,
        action,
        flow_id,
        app_proto,
    ) = _EVENT_SETTERS
    ticket_id, event = _STORED_SETTERS
    stored_events = []
    for r in rows:
        # Row positions: see _SELECT_COLUMNS.
        e = new(IpsEvent)
        detected_at(e, r[2])
        event_name(e, name[r[3]] or "")
        platform(e, platforms[r[1]])
        attack_type(e, name[r[4]])
        attacker_ip(e, r[9])
        attacker_port(e, r[10])
        target_ip(e, r[11])
        target_port(e, r[12])
        protocol(e, name[r[5]])
        detect(e, r[13])
        region(e, name[r[6]])
        zone_name(e, name[r[7]])
        vpc_name(e, name[r[8]])
        signature_id(e, r[14])
        severity(e, r[15])
        action(e, name[r[16]])
        flow_id(e, r[17])
        app_proto(e, name[r[18]])
        stored = new(StoredIpsEvent)
        ticket_id(stored, r[0])
        event(stored, e)
        stored_events.append(stored)
    return stored_events
