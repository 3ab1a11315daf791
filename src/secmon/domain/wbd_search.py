"""Searching exception rules and detection targets (pure functions over small lists)."""

from __future__ import annotations

from dataclasses import dataclass, field

from secmon.domain.wbd import MATCH_FIELDS, AgentStatus, ExceptionRule, Server


def _contains(haystack: str | None, needle: str | None) -> bool:
    """Case-insensitive substring; an absent needle matches everything."""
    if needle is None:
        return True
    return haystack is not None and needle.casefold() in haystack.casefold()


def _within(value: int | None, low: int | None, high: int | None) -> bool:
    if low is None and high is None:
        return True
    if value is None:
        return False
    return (low is None or value >= low) and (high is None or value <= high)


@dataclass(frozen=True, slots=True)
class RuleQuery:
    """Filters of the rule searches. Time bounds are inclusive; None = unbounded."""

    created_from: int | None = None
    created_to: int | None = None
    deleted_from: int | None = None
    deleted_to: int | None = None
    except_target: str | None = None
    name_contains: str | None = None
    #: field name (see MATCH_FIELDS) → substring of the rule's value for that field
    field_contains: dict[str, str] = field(default_factory=dict)


def search_rules(rules: list[ExceptionRule], query: RuleQuery, deleted: bool) -> list[ExceptionRule]:
    """Live (or deleted) rules matching the query, newest first (created, or deleted, time)."""
    found = [
        r
        for r in rules
        if r.is_deleted == deleted
        and _within(r.created_at, query.created_from, query.created_to)
        and _within(r.deleted_at, query.deleted_from, query.deleted_to)
        and (query.except_target is None or r.target.ident == query.except_target)
        and _contains(r.name, query.name_contains)
        and all(
            _contains(getattr(r.conditions, name).value, needle)
            for name, needle in query.field_contains.items()
            if name in MATCH_FIELDS
        )
    ]

    def newest_first(r: ExceptionRule) -> tuple[int, str]:
        return ((r.deleted_at or 0) if deleted else r.created_at, r.rule_id)

    return sorted(found, key=newest_first, reverse=True)


@dataclass(frozen=True, slots=True)
class ServerQuery:
    server_name: str | None = None
    server_group_name: str | None = None
    ip_address: str | None = None
    memo: str | None = None
    agent_status: frozenset[AgentStatus] = frozenset()


def search_servers(servers: list[Server], query: ServerQuery) -> list[Server]:
    """Servers matching every given filter (substrings, any case), newest first as given."""
    return [
        s
        for s in servers
        if _contains(s.server_name, query.server_name)
        and _contains(s.group.name if s.group else None, query.server_group_name)
        and _contains(s.ip_address, query.ip_address)
        and _contains(s.memo, query.memo)
        and (not query.agent_status or s.agent_status in query.agent_status)
    ]
