"""Does an exception rule match a process event, and does it cover the event's server?

Comparisons are case-sensitive, as process names, paths and user names are.
A rule matches when every used condition holds (AND); NOT_USE is ignored. A field the
event does not have (None) never satisfies a used condition.
"""

from __future__ import annotations

from secmon.domain.wbd import (
    Condition,
    ExceptionRule,
    FieldCondition,
    ProcessFacts,
    RuleConditions,
    RuleTarget,
    ServerScope,
    TargetType,
)


def condition_holds(fc: FieldCondition, value: str | None) -> bool:
    if fc.condition is Condition.NOT_USE:
        return True
    if value is None or fc.value is None:
        return False
    if fc.condition is Condition.EQUAL:
        return value == fc.value
    if fc.condition is Condition.START:
        return value.startswith(fc.value)
    return value.endswith(fc.value)


def conditions_match(conditions: RuleConditions, facts: ProcessFacts) -> bool:
    """All used conditions hold; a rule with none used matches nothing (it is refused anyway)."""
    used = conditions.used
    return bool(used) and all(condition_holds(fc, getattr(facts, name)) for name, fc in used)


def target_covers(target: RuleTarget, scope: ServerScope) -> bool:
    if target.type is TargetType.EVERY_SERVER:
        return True
    if target.type is TargetType.SERVER:
        return target.ident == scope.instance_no
    return target.ident is not None and target.ident in scope.group_ids


def rule_applies(rule: ExceptionRule, scope: ServerScope, facts: ProcessFacts) -> bool:
    """An active (not disabled, not deleted) rule whose target covers the server and whose
    conditions match the event."""
    return (
        not rule.disabled
        and not rule.is_deleted
        and target_covers(rule.target, scope)
        and conditions_match(rule.conditions, facts)
    )
