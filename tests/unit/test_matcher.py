"""Exception-rule matcher: properties that must hold for every rule and event."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from secmon.detect.matcher import condition_holds, conditions_match, rule_applies, target_covers
from secmon.domain.errors import InvalidInput
from secmon.domain.wbd import (
    MATCH_FIELDS,
    Condition,
    ExceptionRule,
    FieldCondition,
    ProcessFacts,
    RuleConditions,
    RuleTarget,
    ServerScope,
    TargetType,
    checked_conditions,
)

text = st.text(min_size=1, max_size=12)
facts_st = st.builds(ProcessFacts, **{name: st.one_of(st.none(), text) for name in MATCH_FIELDS})
condition_st = st.sampled_from(list(Condition))
field_condition_st = st.builds(
    lambda c, v: FieldCondition(None if c is Condition.NOT_USE else v, c), condition_st, text
)
conditions_st = st.builds(RuleConditions, **{name: field_condition_st for name in MATCH_FIELDS})


@given(facts_st)
def test_a_rule_built_from_an_events_own_values_with_equal_matches_it(facts: ProcessFacts) -> None:
    own = {name: getattr(facts, name) for name in MATCH_FIELDS}
    assume(any(v is not None for v in own.values()))
    conditions = RuleConditions(
        **{name: FieldCondition(v, Condition.EQUAL) for name, v in own.items() if v is not None}
    )
    assert conditions_match(conditions, facts)


@given(value=text, probe=st.one_of(st.none(), text))
def test_start_or_end_with_the_full_value_equals_equal(value: str, probe: str | None) -> None:
    equal = condition_holds(FieldCondition(value, Condition.EQUAL), probe)
    if probe is not None and len(probe) <= len(value):
        assert condition_holds(FieldCondition(value, Condition.START), probe) == equal
        assert condition_holds(FieldCondition(value, Condition.END), probe) == equal
    assert condition_holds(FieldCondition(value, Condition.START), value)
    assert condition_holds(FieldCondition(value, Condition.END), value)


@given(field=st.sampled_from(MATCH_FIELDS), fc=field_condition_st, facts=facts_st)
def test_not_use_on_all_but_one_field_reduces_to_that_fields_test(
    field: str, fc: FieldCondition, facts: ProcessFacts
) -> None:
    assume(fc.used)
    conditions = RuleConditions(**{field: fc})
    assert conditions_match(conditions, facts) == condition_holds(fc, getattr(facts, field))


@given(conditions=conditions_st, facts=facts_st)
def test_used_conditions_are_anded(conditions: RuleConditions, facts: ProcessFacts) -> None:
    used = conditions.used
    expected = bool(used) and all(condition_holds(fc, getattr(facts, n)) for n, fc in used)
    assert conditions_match(conditions, facts) == expected


@given(value=st.text(alphabet="abcXYZ", min_size=1, max_size=8))
def test_comparisons_are_case_sensitive(value: str) -> None:
    assume(value.swapcase() != value)
    for condition in (Condition.EQUAL, Condition.START, Condition.END):
        assert not condition_holds(FieldCondition(value.swapcase(), condition), value)


def test_examples() -> None:
    facts = ProcessFacts(process_name="/bin/sh", process_arg="-c id", process_name_of_parent="php-fpm")
    assert condition_holds(FieldCondition("/bin/", Condition.START), facts.process_name)
    assert condition_holds(FieldCondition("sh", Condition.END), facts.process_name)
    assert not condition_holds(FieldCondition("/bin", Condition.EQUAL), facts.process_name)
    assert not condition_holds(FieldCondition("www-data", Condition.EQUAL), facts.executor)  # None
    rule = RuleConditions(
        process_name=FieldCondition("/bin/sh", Condition.EQUAL),
        process_name_of_parent=FieldCondition("php", Condition.START),
    )
    assert conditions_match(rule, facts)
    assert not conditions_match(replace(rule, executor=FieldCondition("root", Condition.EQUAL)), facts)


def test_targets() -> None:
    scope = ServerScope("1001", frozenset({"g1"}))
    assert target_covers(RuleTarget(TargetType.EVERY_SERVER), scope)
    assert target_covers(RuleTarget(TargetType.SERVER, "1001"), scope)
    assert not target_covers(RuleTarget(TargetType.SERVER, "1002"), scope)
    assert target_covers(RuleTarget(TargetType.SERVER_GROUP, "g1"), scope)
    assert not target_covers(RuleTarget(TargetType.SERVER_GROUP, "g2"), scope)


def test_only_active_rules_apply() -> None:
    conditions = RuleConditions(process_name=FieldCondition("sh", Condition.END))
    rule = ExceptionRule(
        "1", 1, "r", RuleTarget(TargetType.EVERY_SERVER), None, conditions, None, False, 0, 0
    )
    scope, facts = ServerScope("1"), ProcessFacts(process_name="/bin/sh")
    assert rule_applies(rule, scope, facts)
    assert not rule_applies(replace(rule, disabled=True), scope, facts)
    assert not rule_applies(replace(rule, deleted_at=5), scope, facts)


WIRE = {name: name for name in MATCH_FIELDS}


def test_all_not_use_is_refused() -> None:
    with pytest.raises(InvalidInput, match="at least one"):
        checked_conditions(RuleConditions(), WIRE)


def test_used_condition_needs_a_value() -> None:
    with pytest.raises(InvalidInput) as info:
        checked_conditions(RuleConditions(executor=FieldCondition("", Condition.EQUAL)), WIRE)
    assert info.value.field == "executor"


def test_not_use_drops_the_value() -> None:
    checked = checked_conditions(
        RuleConditions(
            process_name=FieldCondition("sh", Condition.EQUAL),
            executor=FieldCondition("x", Condition.NOT_USE),
        ),
        WIRE,
    )
    assert checked.executor == FieldCondition(None, Condition.NOT_USE)
