"""Finding the exception rules that match an event without scanning every rule.

Each rule is filed under one of its used conditions: EQUAL conditions in a dict keyed
by the exact value, START and END conditions in dicts keyed by the prefix (or suffix)
itself and grouped by its length. An event then looks up, per field, its exact value
and its prefixes/suffixes of the lengths that occur — work bounded by the number of
distinct lengths, not by the number of rules — and only those candidates are checked
in full. Scope (server, group, every server) is checked last.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from secmon.detect.matcher import conditions_match, target_covers
from secmon.domain.wbd import (
    MATCH_FIELDS,
    Condition,
    ExceptionRule,
    FieldCondition,
    ProcessFacts,
    ServerScope,
)

# Prefer the most selective condition as a rule's index key.
_PREFERENCE = {Condition.EQUAL: 0, Condition.START: 1, Condition.END: 1}


class _FieldIndex:
    def __init__(self) -> None:
        self.equal: dict[str, list[ExceptionRule]] = defaultdict(list)
        self.start: dict[int, dict[str, list[ExceptionRule]]] = defaultdict(lambda: defaultdict(list))
        self.end: dict[int, dict[str, list[ExceptionRule]]] = defaultdict(lambda: defaultdict(list))

    def add(self, fc: FieldCondition, rule: ExceptionRule) -> None:
        value = fc.value or ""
        if fc.condition is Condition.EQUAL:
            self.equal[value].append(rule)
        elif fc.condition is Condition.START:
            self.start[len(value)][value].append(rule)
        else:
            self.end[len(value)][value].append(rule)

    def candidates(self, value: str | None, out: dict[str, ExceptionRule]) -> None:
        if value is None:
            return
        for rule in self.equal.get(value, ()):
            out[rule.rule_id] = rule
        n = len(value)
        for length, by_prefix in self.start.items():
            if length <= n:
                for rule in by_prefix.get(value[:length], ()):
                    out[rule.rule_id] = rule
        for length, by_suffix in self.end.items():
            if length <= n:
                for rule in by_suffix.get(value[n - length :] if length else "", ()):
                    out[rule.rule_id] = rule


class ExceptionIndex:
    """The active exception rules of one account, indexed for matching."""

    def __init__(self, rules: Iterable[ExceptionRule]) -> None:
        self._fields = {name: _FieldIndex() for name in MATCH_FIELDS}
        self.size = 0
        for rule in rules:
            if rule.disabled or rule.is_deleted:
                continue
            used = rule.conditions.used
            if not used:
                continue
            name, fc = min(used, key=lambda pair: (_PREFERENCE[pair[1].condition], -len(pair[1].value or "")))
            self._fields[name].add(fc, rule)
            self.size += 1

    def first_match(self, scope: ServerScope, facts: ProcessFacts) -> ExceptionRule | None:
        """The oldest active rule in scope that matches, or None."""
        candidates: dict[str, ExceptionRule] = {}
        for name, index in self._fields.items():
            index.candidates(getattr(facts, name), candidates)
        matching = [
            r
            for r in candidates.values()
            if target_covers(r.target, scope) and conditions_match(r.conditions, facts)
        ]
        return min(matching, key=lambda r: (r.created_at, r.rule_id)) if matching else None


def naive_first_match(
    rules: Iterable[ExceptionRule], scope: ServerScope, facts: ProcessFacts
) -> ExceptionRule | None:
    """The same answer by scanning every rule (the baseline the index is measured against)."""
    matching = [
        r
        for r in rules
        if not r.disabled
        and not r.is_deleted
        and target_covers(r.target, scope)
        and conditions_match(r.conditions, facts)
    ]
    return min(matching, key=lambda r: (r.created_at, r.rule_id)) if matching else None
