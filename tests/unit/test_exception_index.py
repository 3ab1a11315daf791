"""The exception-rule index answers exactly what a scan of every rule answers."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from secmon.detect.exception_index import ExceptionIndex, naive_first_match
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
)

# A tiny alphabet makes prefixes, suffixes and equalities collide often.
value = st.text(alphabet="ab/", min_size=1, max_size=4)
field_condition = st.one_of(
    st.just(FieldCondition()),
    st.builds(FieldCondition, value, st.sampled_from([Condition.EQUAL, Condition.START, Condition.END])),
)
target = st.one_of(
    st.just(RuleTarget(TargetType.EVERY_SERVER)),
    st.builds(RuleTarget, st.just(TargetType.SERVER), st.sampled_from(["s1", "s2"])),
    st.builds(RuleTarget, st.just(TargetType.SERVER_GROUP), st.sampled_from(["g1", "g2"])),
)


@st.composite
def rules(draw: st.DrawFn) -> list[ExceptionRule]:
    count = draw(st.integers(0, 25))
    out = []
    for i in range(count):
        conditions = draw(st.builds(RuleConditions, **{n: field_condition for n in MATCH_FIELDS}))
        if not conditions.used:
            conditions = RuleConditions(process_name=FieldCondition(draw(value), Condition.EQUAL))
        out.append(
            ExceptionRule(
                rule_id=f"{i:022d}",
                member_no=1,
                name=f"r{i}",
                target=draw(target),
                target_name=None,
                conditions=conditions,
                memo=None,
                disabled=draw(st.booleans()),
                created_at=draw(st.integers(0, 5)),
                updated_at=0,
                deleted_at=draw(st.sampled_from([None, None, 7])),
            )
        )
    return out


facts = st.builds(ProcessFacts, **{n: st.one_of(st.none(), value) for n in MATCH_FIELDS})
scope = st.builds(
    ServerScope, st.sampled_from(["s1", "s2", "s3"]), st.sets(st.sampled_from(["g1", "g2"])).map(frozenset)
)


@settings(max_examples=300)
@given(rules(), st.lists(st.tuples(scope, facts), min_size=1, max_size=10))
def test_index_agrees_with_a_full_scan(
    all_rules: list[ExceptionRule], events: list[tuple[ServerScope, ProcessFacts]]
) -> None:
    index = ExceptionIndex(all_rules)
    assert index.size == sum(1 for r in all_rules if not r.disabled and not r.is_deleted)
    for where, what in events:
        assert index.first_match(where, what) == naive_first_match(all_rules, where, what)
